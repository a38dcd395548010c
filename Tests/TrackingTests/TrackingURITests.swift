import XCTest
@testable import Tracking

final class TrackingURITests: XCTestCase {
    func testURIForms() throws {
        XCTAssertEqual(try TrackingURI.parse("mlruns", cwd: "/w"), .fileStore(path: "/w/mlruns"))
        XCTAssertEqual(try TrackingURI.parse("./a/../mlruns/", cwd: "/w"), .fileStore(path: "/w/mlruns"))
        XCTAssertEqual(try TrackingURI.parse("file:///abs/ml%20runs", cwd: "/w"), .fileStore(path: "/abs/ml runs"))
        XCTAssertEqual(try TrackingURI.parse("file://localhost/abs", cwd: "/w"), .fileStore(path: "/abs"))
        XCTAssertEqual(try TrackingURI.parse("sqlite:///mlflow.db", cwd: "/w"), .sqlite(path: "/w/mlflow.db"))
        XCTAssertEqual(try TrackingURI.parse("sqlite:////abs/m.db", cwd: "/w"), .sqlite(path: "/abs/m.db"))
        XCTAssertEqual(try TrackingURI.parse("http://127.0.0.1:5000/", cwd: "/w"), .rest(url: "http://127.0.0.1:5000"))
        XCTAssertEqual(try TrackingURI.parse("https://h/prefix", cwd: "/w"), .rest(url: "https://h/prefix"))
        XCTAssertEqual(TrackingURI.sqlite(path: "/abs/m.db").description, "sqlite:////abs/m.db")
        // MLflow's PostgreSQL spellings, kept as given (libpq reads them); the password never shows.
        for uri in ["postgresql://u:pw@h:5432/db?sslmode=require", "postgresql+psycopg2://u:pw@h/db", "postgres://u:pw@h/db"] {
            XCTAssertEqual(try TrackingURI.parse(uri, cwd: "/w"), .postgres(uri: uri))
        }
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql://u:pw@h:5432/db").description, "postgresql://u:***@h:5432/db")
        // SQLAlchemy's rule: the password runs from the user's ':' to the next '@', '/' and '?' included.
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql://u:pa/ss@h/db").description, "postgresql://u:***@h/db")
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql+psycopg2://u:pa?ss@h/db").description, "postgresql+psycopg2://u:***@h/db")
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql://h:5432/db").description, "postgresql://h:5432/db")
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql://u@h/db?sslmode=require&password=x").description,
                       "postgresql://u@h/db?sslmode=require&password=***")
        XCTAssertEqual(TrackingURI.postgres(uri: "postgresql:///db").description, "postgresql:///db")
    }

    func testUnsupportedSchemesHidePasswords() {
        XCTAssertThrowsError(try TrackingURI.parse("mysql://u:secret@h/db", cwd: "/w")) { error in
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }

    func testBadURIsSayWhatIsWrong() {
        for bad in ["mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "file://otherhost/x", "databricks://p"] {
            XCTAssertThrowsError(try TrackingURI.parse(bad, cwd: "/w"), bad) { error in
                XCTAssertEqual((error as? MLflowError)?.code, .invalidParameterValue)
                XCTAssertTrue((error as? MLflowError)?.message.contains(bad.prefix(6)) ?? false)
            }
        }
    }

    func testResolutionOrderFollowsMLflow() throws {
        func resolve(_ arg: String?, env: [String: String] = [:], files: Set<String>, dirs: [String: [String]] = [:]) throws -> TrackingURI {
            try TrackingURI.resolve(argument: arg, environment: env, cwd: "/w",
                                    fileExists: { files.contains($0) }, directoryEntries: { dirs[$0] ?? [] })
        }
        let both: Set<String> = ["/w/mlflow.db", "/w/mlruns/0/meta.yaml"]
        let withExperiment = ["/w/mlruns": ["0", ".trash"]]
        XCTAssertEqual(try resolve("sqlite:///x.db", env: ["MLFLOW_TRACKING_URI": "/e"], files: both), .sqlite(path: "/w/x.db"))
        XCTAssertEqual(try resolve(nil, env: ["MLFLOW_TRACKING_URI": "/e"], files: both), .fileStore(path: "/e"))
        // An ./mlruns holding experiments wins over ./mlflow.db, as in MLflow 3.x.
        XCTAssertEqual(try resolve(nil, files: both, dirs: withExperiment), .fileStore(path: "/w/mlruns"))
        // An ./mlruns of artifacts only (the SQLite default's artifact root) is not a file store.
        XCTAssertEqual(try resolve(nil, files: ["/w/mlflow.db"], dirs: ["/w/mlruns": ["1"]]), .sqlite(path: "/w/mlflow.db"))
        XCTAssertThrowsError(try resolve(nil, files: []))
    }
}
