import Foundation
import Tracking

/// Reads an image artifact whole (at most `ArtifactPreview.imageLimit` bytes), decodes it and
/// keeps a thumbnail at most `side` pixels on a side: a grid of full-size images would hold
/// hundreds of megabytes, and a terminal cell shows two pixels at most.
func readThumbnail(_ store: any TrackingStore, runID: String, path: String, side: Int, keepFile: Bool) async -> Result<GridPicture, PreviewError> {
    do {
        let content = try await store.openArtifact(runID: runID, path: path)
        if let size = content.size, size > Int64(ArtifactPreview.imageLimit) {
            return .failure(PreviewError("image of \(size) bytes is too large"))
        }
        let bytes = try await content.readWhole(limit: ArtifactPreview.imageLimit)
        let kind = PreviewKind.detect(name: path, head: Array(bytes.prefix(PreviewKind.sniffLength)), size: Int64(bytes.count))
        guard kind == .png || kind == .jpeg else { return .failure(PreviewError("not a PNG or JPEG image")) }
        return RGBAImage.decode(bytes, kind: kind).map {
            GridPicture(thumbnail: $0.scaled(toFit: side), file: keepFile && bytes.count <= GridPicture.fileLimit ? bytes : [])
        }
    } catch {
        return .failure(PreviewError(error.asMLflowError.oneLineMessage))
    }
}

/// An image of the grid: its thumbnail, and the file as logged for a graphics protocol to draw
/// it whole (kept up to `fileLimit` bytes).
struct GridPicture: Equatable, Sendable {
    static let fileLimit = 8 << 20
    var thumbnail: RGBAImage
    var file: [UInt8]
}

extension RGBAImage {
    /// The image shrunk (box filter, alpha kept) so that neither side exceeds `side`; as it is
    /// when already small enough.
    func scaled(toFit side: Int) -> RGBAImage {
        guard width > side || height > side, width > 0, height > 0 else { return self }
        let scale = Double(side) / Double(max(width, height))
        let w = max(1, Int((Double(width) * scale).rounded())), h = max(1, Int((Double(height) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            let y0 = y * height / h, y1 = max(y0 + 1, (y + 1) * height / h)
            for x in 0..<w {
                let x0 = x * width / w, x1 = max(x0 + 1, (x + 1) * width / w)
                var sum = [0, 0, 0, 0], n = 0
                for sy in y0..<min(y1, height) {
                    for sx in x0..<min(x1, width) {
                        let i = (sy * width + sx) * 4
                        for c in 0..<4 { sum[c] += Int(pixels[i + c]) }
                        n += 1
                    }
                }
                let o = (y * w + x) * 4
                for c in 0..<4 { out[o + c] = UInt8(sum[c] / max(n, 1)) }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }
}
