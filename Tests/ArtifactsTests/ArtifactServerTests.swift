@testable import Artifacts
import Backends
import Foundation
import HTTPClient
import Tracking
import XCTest

/// The remote repositories against the real servers on 127.0.0.1: moto's S3 server with MLflow
/// logging to s3://, and `mlflow server --serve-artifacts` with MLflow logging through its proxy.
/// Listings are compared with MLflow's own `list_artifacts`; downloads with the logged bytes.
final class ArtifactServerTests: XCTestCase {
    static let awsEnvironment = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                                 "AWS_SESSION_TOKEN": "testing-token", "AWS_DEFAULT_REGION": "us-east-1"]

    func testS3AgainstMotoWithMLflowLogging() async throws {
        let dir = try Support.temporaryDirectory("s3")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try Support.freePort()
        let server = try Support.Server(Support.venv + "moto_server", ["-H", "127.0.0.1", "-p", String(port)], cwd: dir)
        defer { server.stop() }
        try await server.waitUntilReady("http://127.0.0.1:\(port)/moto-api/", seconds: 60)

        var env = Self.awsEnvironment
        env["MLFLOW_S3_ENDPOINT_URL"] = "http://127.0.0.1:\(port)"
        let src = dir + "/src"
        let db = dir + "/mlflow.db"
        let logged = try Support.logArtifacts(trackingURI: "sqlite:///" + db, src: src,
                                              location: "s3://mltui-bucket/experiments/x", env: env)
        let runID = logged["run_id"] as! String
        let artifactURI = logged["artifact_uri"] as! String
        XCTAssertTrue(artifactURI.hasPrefix("s3://mltui-bucket/experiments/x/"))

        let repository = try artifactRepository(for: artifactURI, trackingURI: nil, environment: env)
        XCTAssertTrue(repository is S3Artifacts)
        try await assertListingsMatchMLflow(repository, logged["listings"] as! [String: [[Any]]])

        // The hostile key `<root>/../escape.txt` shows up in MLflow's own listing as ".."; never in ours.
        let root = try await repository.list(path: nil).map(\.path)
        XCTAssertFalse(root.contains { $0.contains("..") }, "\(root)")
        XCTAssertTrue((logged["listings"] as! [String: [[Any]]])[""]!.contains { ($0[0] as! String).contains("..") },
                      "the fixture must plant a hostile key for this check to mean anything")

        // Ranged reads: a window in the middle of the 300 KiB binary, past the first window.
        let weights = try await repository.open(path: "model/weights.bin")
        XCTAssertEqual(weights.size, 256 * 1200)
        let window = try await weights.read(offset: 270_000, count: 1000)
        XCTAssertEqual(window, Array((try Data(contentsOf: URL(fileURLWithPath: src + "/model/weights.bin")))[270_000..<271_000]))
        let empty = try await repository.open(path: "model/empty.txt")
        XCTAssertEqual(empty.size, 0)
        let emptyBytes = try await empty.read(offset: 0, count: 10)
        XCTAssertEqual(emptyBytes, [])

        // Missing things and missing credentials are clear one-line errors naming the URI.
        do {
            _ = try await repository.open(path: "nope.txt")
            XCTFail("opened a missing object")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .resourceDoesNotExist)
            XCTAssertTrue(error.message.contains(artifactURI), error.message)
        }
        XCTAssertThrowsError(try artifactRepository(for: artifactURI, trackingURI: nil, environment: [:])) { error in
            let message = (error as! MLflowError).message
            XCTAssertTrue(message.contains(artifactURI) && message.contains("AWS_ACCESS_KEY_ID"), message)
        }

        // Through the binary: the SQLite store resolves s3:// with the environment; list + get.
        let listed = try Support.run(Support.mltui, ["artifacts", runID, "model", "--tracking-uri", db, "--format", "json"], env: env)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["root_uri"] as? String, artifactURI)
        XCTAssertEqual((json["files"] as! [[String: Any]]).map { $0["path"] as! String }, ["model/empty.txt", "model/weights.bin"])

        let out = dir + "/download"
        let got = try Support.run(Support.mltui, ["artifacts", "get", runID, "/", "-o", out, "--tracking-uri", db], env: env)
        XCTAssertEqual(got.status, 0, got.stderr)
        XCTAssertEqual(Support.tree(out), Support.tree(src))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/escape.txt"))

        let noCredentials = try Support.run(Support.mltui, ["artifacts", runID, "--tracking-uri", db],
                                            env: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        XCTAssertEqual(noCredentials.status, 1)
        XCTAssertTrue(noCredentials.stderr.contains("AWS_ACCESS_KEY_ID") && noCredentials.stderr.contains(artifactURI), noCredentials.stderr)
    }

    func testMLflowArtifactsProxyAgainstRealServer() async throws {
        let dir = try Support.temporaryDirectory("proxy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try Support.freePort()
        let url = "http://127.0.0.1:\(port)"
        let server = try Support.Server(Support.venv + "mlflow", [
            "server", "--backend-store-uri", "sqlite:///\(dir)/server.db", "--artifacts-destination", dir + "/destination",
            "--host", "127.0.0.1", "--port", String(port), "--workers", "1"], cwd: dir)
        defer { server.stop() }
        try await server.waitUntilReady(url + "/health", seconds: 120)

        let src = dir + "/src"
        let logged = try Support.logArtifacts(trackingURI: url, src: src)
        let runID = logged["run_id"] as! String
        let artifactURI = logged["artifact_uri"] as! String
        XCTAssertTrue(artifactURI.hasPrefix("mlflow-artifacts:/"), artifactURI)

        let repository = try artifactRepository(for: artifactURI, trackingURI: .rest(url: url))
        XCTAssertTrue(repository is ProxiedArtifacts)
        try await assertListingsMatchMLflow(repository, logged["listings"] as! [String: [[Any]]])

        let weights = try await repository.open(path: "model/weights.bin")
        XCTAssertEqual(weights.size, 256 * 1200)
        let window = try await weights.read(offset: 300_000, count: 2000)
        XCTAssertEqual(window, Array((try Data(contentsOf: URL(fileURLWithPath: src + "/model/weights.bin")))[300_000..<302_000]))
        let unicode = try await repository.open(path: "docs/ünïcödé-файл 📄.txt")
        let unicodeBytes = try await unicode.read(offset: 0, count: 100)
        XCTAssertEqual(String(decoding: unicodeBytes, as: UTF8.self), "unicode ✓\n")
        do {
            _ = try await repository.open(path: "nope.txt")
            XCTFail("opened a missing file")
        } catch let error as MLflowError {
            XCTAssertEqual(error.code, .resourceDoesNotExist)
            XCTAssertTrue(error.message.contains("nope.txt"), error.message)
        }
        // No tracking server to proxy through: a clear error naming the URI.
        XCTAssertThrowsError(try artifactRepository(for: artifactURI, trackingURI: .sqlite(path: "/x.db"))) { error in
            XCTAssertTrue((error as! MLflowError).message.contains(artifactURI))
        }

        // The REST store reads mlflow-artifacts: through the proxy, with the same listing as the server's artifacts/list.
        let store = try openStore(.rest(url: url)) { _ in }
        let listing = try await store.listArtifacts(runID: runID, path: "a/b")
        XCTAssertEqual(listing.rootURI, artifactURI)
        XCTAssertEqual(listing.files, [ArtifactEntry(path: "a/b/c", isDir: true)])

        let out = dir + "/download"
        let got = try Support.run(Support.mltui, ["artifacts", "get", runID, "model", "-o", out, "--tracking-uri", url])
        XCTAssertEqual(got.status, 0, got.stderr)
        XCTAssertEqual(Support.tree(out), Support.tree(src).filter { $0.key.hasPrefix("model/") })
        let all = try Support.run(Support.mltui, ["artifacts", "get", runID, "/", "-o", out + "2", "--tracking-uri", url, "--quiet"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(Support.tree(out + "2"), Support.tree(src))

        server.stop()
        let down = try Support.run(Support.mltui, ["artifacts", runID, "--tracking-uri", url],
                                   env: ["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"])
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.contains("127.0.0.1:\(port)"), down.stderr)
    }

    /// Our listing of each path equals MLflow's `list_artifacts` (minus entries with `..`).
    private func assertListingsMatchMLflow(_ repository: any ArtifactRepository, _ oracle: [String: [[Any]]],
                                           file: StaticString = #filePath, line: UInt = #line) async throws {
        XCTAssertFalse(oracle.isEmpty, file: file, line: line)
        for (path, expected) in oracle {
            let ours = try await repository.list(path: path.isEmpty ? nil : path)
            let theirs = expected.filter { !($0[0] as! String).split(separator: "/").contains("..") }.map {
                ArtifactEntry(path: $0[0] as! String, isDir: $0[1] as! Bool, fileSize: ($0[2] as? NSNumber)?.int64Value)
            }
            XCTAssertEqual(ours, theirs, "listing of '\(path)'", file: file, line: line)
        }
    }
}
