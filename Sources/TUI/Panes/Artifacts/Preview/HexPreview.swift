import Terminal

/// A classic hex dump: offset, the bytes in groups of 8, and the printable ASCII.
/// `offset` is where `bytes` start in the file, so any page of a huge binary can be shown.
/// A row holds `bytesPerRow` bytes (see `hexBytesPerRow(width:)`).
func renderHexDump(_ bytes: [UInt8], offset: Int64, bytesPerRow: Int = 16, theme: Theme) -> [PreviewLine] {
    let perRow = max(1, bytesPerRow)
    return stride(from: 0, to: bytes.count, by: perRow).map { start in
        let row = bytes[start..<min(start + perRow, bytes.count)]
        var hex = ""
        for (i, byte) in row.enumerated() {
            hex += hexByte(byte) + (i % 8 == 7 && i < perRow - 1 ? "  " : " ")
        }
        // A short last row keeps the ASCII column aligned with the rows above.
        hex += String(repeating: " ", count: max(0, hexColumnWidth(perRow) - hex.count))
        let ascii = String(row.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
        let address = String(offset + Int64(start), radix: 16)
        return PreviewLine([
            .init(String(repeating: "0", count: max(0, 8 - address.count)) + address + "  ", theme[.dim]),
            .init(hex, theme[.base]),
            .init("│" + ascii + "│", theme[.label]),
        ])
    }
}

/// The widest row that fits `width` columns: 32, 16 (the classic 78-column dump), 8 or 4 bytes.
func hexBytesPerRow(width: Int) -> Int {
    [32, 16, 8].first { hexRowWidth($0) <= width } ?? 4
}

/// Columns of a whole row: the 8-digit offset and 2 spaces, the hex column, then "│ascii│".
func hexRowWidth(_ bytesPerRow: Int) -> Int { 10 + hexColumnWidth(bytesPerRow) + bytesPerRow + 2 }

/// "xx " per byte, one more space between groups of 8, and one before the ASCII.
private func hexColumnWidth(_ bytesPerRow: Int) -> Int { 3 * bytesPerRow + (bytesPerRow - 1) / 8 + 1 }

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
