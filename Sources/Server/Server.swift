import Hummingbird
import Logging
import Tracking

/// `mltui serve`'s HTTP server: Hummingbird over SwiftNIO, which serves many concurrent
/// clients on a few threads, and ServiceLifecycle, which on SIGINT/SIGTERM stops accepting
/// connections and lets in-flight requests finish before returning.
public enum MLflowServer {
    /// Runs until SIGINT or SIGTERM. `onRunning` is called once the socket listens, with the port
    /// actually bound (useful with port 0).
    public static func run(store: any TrackingStore, configuration: ServerConfiguration,
                           onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(store: store, configuration: configuration, onRunning: onRunning).runService()
    }

    public static func application(store: any TrackingStore, configuration: ServerConfiguration,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "mltui.serve")
        logger.logLevel = .warning
        return Application(
            responder: MLflowResponder(store: store, configuration: configuration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
