import Artifacts
import Foundation
import Tracking
import XCTest

/// Paths from a store are never trusted: `..`, absolute paths, backslashes and symlinks cannot
/// make mltui read outside the artifact root or write outside the download destination.
final class PathSafetyTests: XCTestCase {
    /// A store whose listing is hostile: entries escaping the root in every way we know.
    struct HostileStore: TrackingStore {
        let uri = "hostile://"
        let entries: [ArtifactEntry]
        func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { Page(items: []) }
        func getExperiment(id: String) async throws -> Experiment { throw MLflowError.notFound(id) }
        func getExperimentByName(_ name: String) async throws -> Experiment { throw MLflowError.notFound(name) }
        func searchRuns(_ request: RunSearch) async throws -> Page<Run> { Page(items: []) }
        func getRun(id: String) async throws -> Run { throw MLflowError.notFound(id) }
        func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> { Page(items: []) }
        func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
            ArtifactListing(rootURI: uri, files: path == nil ? entries : [])
        }
        func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
            try await LocalArtifacts(root: "/etc").open(path: "hostname")
        }
    }

    func testHostileListingNeverWritesOutsideDestination() async throws {
        let dir = try Support.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let destination = dir + "/dest"
        for hostile in ["../escape.txt", "/tmp/abs-\(getpid()).txt", "a\\..\\..\\x.txt", "ok/../../up.txt", "%2e%2e/enc.txt"] {
            let store = HostileStore(entries: [ArtifactEntry(path: hostile, isDir: false, fileSize: 3)])
            do {
                try await ArtifactDownload(store: store, runID: "r").download(path: "", to: destination)
                XCTFail("downloaded hostile entry \(hostile)")
            } catch let error as MLflowError {
                XCTAssertEqual(error.code, .invalidParameterValue, "\(hostile): \(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["dest"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/abs-\(getpid()).txt"))
    }

    func testSymlinkInDestinationIsNotFollowed() async throws {
        let dir = try Support.temporaryDirectory("symlink")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outside = dir + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/dest", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/dest/sub", withDestinationPath: outside)
        let store = HostileStore(entries: [ArtifactEntry(path: "sub/file.txt", isDir: false, fileSize: 3)])
        do {
            try await ArtifactDownload(store: store, runID: "r").download(path: "", to: dir + "/dest")
            XCTFail("wrote through a symlink")
        } catch let error as MLflowError {
            XCTAssertTrue(error.message.contains("not a folder"), error.message)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [])
    }

    func testLocalRepositoryRefusesEscapes() async throws {
        let dir = try Support.temporaryDirectory("local")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/root"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/secret.txt", contents: Data("secret".utf8))
        FileManager.default.createFile(atPath: root + "/sub/ok.txt", contents: Data("ok".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: dir + "/secret.txt")
        let repository = try artifactRepository(for: "file://" + root, trackingURI: nil)
        for bad in ["../secret.txt", "/etc/passwd", "sub\\..\\..\\secret.txt", "%2e%2e/secret.txt", "link.txt"] {
            do {
                _ = try await repository.open(path: bad)
                XCTFail("opened \(bad)")
            } catch let error as MLflowError {
                XCTAssertEqual(error.code, .invalidParameterValue, "\(bad): \(error)")
            }
        }
        let ok = try await repository.open(path: "sub/ok.txt").read(offset: 0, count: 10)
        XCTAssertEqual(ok, Array("ok".utf8))
        let listed = try await repository.list(path: "sub")
        XCTAssertEqual(listed, [ArtifactEntry(path: "sub/ok.txt", isDir: false, fileSize: 2)])
    }

    func testUnsupportedSchemesNameTheURI() {
        for uri in ["gs://bucket/x", "wasbs://c@a.blob.core.windows.net/p", "hdfs://nn/path"] {
            XCTAssertThrowsError(try artifactRepository(for: uri, trackingURI: nil)) { error in
                XCTAssertTrue((error as! MLflowError).message.contains(uri))
            }
        }
    }
}
