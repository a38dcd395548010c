import CJPEG
import CPNG
import Foundation
import Terminal

/// A decoded image as 8-bit RGBA rows.
struct RGBAImage: Equatable, Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes a PNG (libpng's simplified API) or JPEG (libjpeg-turbo); the error names what failed.
    static func decode(_ bytes: [UInt8], kind: PreviewKind) -> Result<RGBAImage, PreviewError> {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let decoded: UnsafeMutablePointer<UInt8>? = bytes.withUnsafeBytes { raw in
            switch kind {
            case .png: return mltui_png_decode_rgba(raw.baseAddress, raw.count, &width, &height, &message, message.count)
            case .jpeg:
                return mltui_jpeg_decode_rgb(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(raw.count),
                                             &width, &height, &message, message.count)
            default: return nil
            }
        }
        guard let decoded else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(PreviewError("cannot decode the \(kind == .png ? "PNG" : "JPEG") image: \(reason.isEmpty ? "not an image" : reason)"))
        }
        defer { free(decoded) }
        let count = Int(width) * Int(height)
        var pixels = [UInt8](repeating: 255, count: count * 4)
        if kind == .png {
            pixels.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: decoded, count: count * 4)) }
        } else {
            for i in 0..<count {
                pixels[i * 4] = decoded[i * 3]; pixels[i * 4 + 1] = decoded[i * 3 + 1]; pixels[i * 4 + 2] = decoded[i * 3 + 2]
            }
        }
        return .success(RGBAImage(width: Int(width), height: Int(height), pixels: pixels))
    }
}

struct PreviewError: Error, Equatable, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The image scaled to fit `width` columns × `height` rows, keeping its aspect ratio, drawn with
/// upper half blocks: each cell shows two pixels, the top one as foreground and the bottom one
/// as background, in true colour (the terminal adapter maps it down where needed).
/// Transparent pixels are blended over black.
func renderImage(_ image: RGBAImage, width: Int, height: Int) -> [PreviewLine] {
    guard image.width > 0, image.height > 0, width > 0, height > 0 else { return [] }
    let scale = min(Double(width) / Double(image.width), Double(height * 2) / Double(image.height), 1)
    let columns = max(1, Int((Double(image.width) * scale).rounded()))
    let pixelRows = max(1, Int((Double(image.height) * scale).rounded()))
    func sample(_ x: Int, _ y: Int) -> Color {
        // Box filter: average the source pixels this output pixel covers.
        let x0 = x * image.width / columns, x1 = max(x0 + 1, (x + 1) * image.width / columns)
        let y0 = y * image.height / pixelRows, y1 = max(y0 + 1, (y + 1) * image.height / pixelRows)
        var r = 0, g = 0, b = 0, n = 0
        for sy in y0..<min(y1, image.height) {
            for sx in x0..<min(x1, image.width) {
                let i = (sy * image.width + sx) * 4
                let a = Int(image.pixels[i + 3])
                r += Int(image.pixels[i]) * a / 255; g += Int(image.pixels[i + 1]) * a / 255; b += Int(image.pixels[i + 2]) * a / 255
                n += 1
            }
        }
        n = max(n, 1)
        return .rgb(UInt8(r / n), UInt8(g / n), UInt8(b / n))
    }
    return stride(from: 0, to: pixelRows, by: 2).map { y in
        PreviewLine((0..<columns).map { x in
            let bottom: Color = y + 1 < pixelRows ? sample(x, y + 1) : .default
            return PreviewLine.Span("▀", Style(fg: sample(x, y), bg: bottom))
        })
    }
}
