import Tracking
import XCTest

/// The names MLflow gives images logged with a key and a step, from 3.x (`+`, `~` for `/`) and
/// 2.x (`%`, `#`), each full image with its compressed copy; anything else is not one.
final class LoggedImagesTests: XCTestCase {
    func testMLflow3NamesWithTheirCompressedCopies() {
        let id = "0b1c6a0e-5d8f-4a53-9b7e-1f0e2d3c4b5a"
        let paths = [
            "images/val~samples+step+3+timestamp+1795369586481+\(id).png",
            "images/val~samples+step+3+timestamp+1795369586481+\(id)+compressed.webp",
            "images/dogs+step+0+timestamp+1795369586000+aaaa.png",
            "images/dogs+step+10+timestamp+1795369586100+bbbb.png",
            "images/dogs+step+10+timestamp+1795369586100+bbbb+compressed.webp",
            "images/notes.txt",
            "images/dogs+step+x+timestamp+1+cccc.png",
            "images/plain.png",
        ]
        let images = LoggedImage.collect(paths)
        XCTAssertEqual(images, [
            LoggedImage(key: "dogs", step: 0, timestamp: 1_795_369_586_000, id: "aaaa", path: paths[2]),
            LoggedImage(key: "dogs", step: 10, timestamp: 1_795_369_586_100, id: "bbbb", path: paths[3], compressedPath: paths[4]),
            LoggedImage(key: "val/samples", step: 3, timestamp: 1_795_369_586_481, id: id, path: paths[0], compressedPath: paths[1]),
        ])
    }

    func testMLflow2Names() {
        let images = LoggedImage.collect(["images/a#b%step%7%timestamp%1795369586481%dddd.png",
                                          "images/a#b%step%7%timestamp%1795369586481%dddd%compressed.webp"])
        XCTAssertEqual(images.map(\.key), ["a/b"])
        XCTAssertEqual(images.first?.step, 7)
        XCTAssertEqual(images.first?.compressedPath, "images/a#b%step%7%timestamp%1795369586481%dddd%compressed.webp")
    }

    func testACompressedCopyAloneIsNotAnImage() {
        XCTAssertEqual(LoggedImage.collect(["images/k+step+1+timestamp+2+eeee+compressed.webp"]), [])
    }
}
