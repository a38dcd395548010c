import Terminal

/// A classic hex dump: offset, 16 bytes in two groups of 8, and the printable ASCII.
/// `offset` is where `bytes` start in the file, so any page of a huge binary can be shown.
func renderHexDump(_ bytes: [UInt8], offset: Int64, theme: Theme) -> [PreviewLine] {
    stride(from: 0, to: bytes.count, by: 16).map { start in
        let row = bytes[start..<min(start + 16, bytes.count)]
        var hex = ""
        for (i, byte) in row.enumerated() {
            hex += hexByte(byte) + (i == 7 ? "  " : " ")
        }
        hex += String(repeating: " ", count: max(0, 50 - hex.count))
        let ascii = String(row.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "." })
        let address = String(offset + Int64(start), radix: 16)
        return PreviewLine([
            .init(String(repeating: "0", count: max(0, 8 - address.count)) + address + "  ", theme[.dim]),
            .init(hex, theme[.base]),
            .init("│" + ascii + "│", theme[.label]),
        ])
    }
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
