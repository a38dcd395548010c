import Dispatch
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Tracking

/// `mltui serve`'s HTTP server: Hummingbird over SwiftNIO, which serves many concurrent
/// clients on a few threads, and ServiceLifecycle, which on SIGINT/SIGTERM stops accepting
/// connections and lets in-flight requests finish — for `shutdownTimeout` at most, after which
/// the connections still open (a client that stopped reading a download) are closed.
public enum MLflowServer {
    /// Runs until SIGINT or SIGTERM. `onRunning` is called once the socket listens, with the port
    /// actually bound (useful with port 0).
    public static func run(store: any TrackingStore, configuration: ServerConfiguration,
                           onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let registry = ConnectionRegistry(capacity: configuration.maxConnections)
        let shutdown = ShutdownDeadline(timeout: configuration.shutdownTimeout, registry: registry, notice: configuration.notice)
        shutdown.watchSignals()
        try await application(store: store, configuration: configuration, registry: registry, onRunning: onRunning).runService()
    }

    public static func application(store: any TrackingStore, configuration: ServerConfiguration,
                                   registry: ConnectionRegistry? = nil,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "mltui.serve")
        logger.logLevel = .warning
        let registry = registry ?? ConnectionRegistry(capacity: configuration.maxConnections)
        let idleTimeout = configuration.idleTimeout
        // Past the registry's capacity idle connections make room; if every connection is busy,
        // stop accepting a little later, before the open-file limit makes accept(2) fail.
        let acceptLimit = MaximumAvailableConnections(configuration.maxConnections + OpenFileLimit.reserved / 3)
        return Application(
            responder: MLflowResponder(store: store, configuration: configuration),
            server: HTTPServerBuilder { responder in
                GuardedHTTP1Channel(responder: responder, registry: registry, idleTimeout: idleTimeout)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil,
                                 availableConnectionsDelegate: acceptLimit),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// A failure to start listening, as one line: which address, and the system's reason.
    public static func startupError(_ error: any Error, host: String, port: Int) -> MLflowError {
        if let error = error as? MLflowError { return error }
        if let error = error as? IOError {
            let reason = String(cString: strerror(error.errnoCode))
            return MLflowError(error.errnoCode == EADDRINUSE ? .temporarilyUnavailable : .invalidParameterValue,
                               "cannot listen on \(host):\(port): \(reason)")
        }
        return MLflowError(.invalidParameterValue, "cannot listen on \(host):\(port): \(error)")
    }
}

/// The bound on a graceful shutdown. On the first SIGTERM or SIGINT it says what it is waiting
/// for; after `timeout` it closes the connections still open, and if the server has still not
/// stopped a few seconds later, it exits. A second signal exits at once.
final class ShutdownDeadline: Sendable {
    private let timeout: Duration
    private let registry: ConnectionRegistry
    private let notice: @Sendable (String) -> Void
    private let signals = Locked<(received: Int, sources: [any DispatchSourceSignal])>((0, []))

    init(timeout: Duration, registry: ConnectionRegistry, notice: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.registry = registry
        self.notice = notice
    }

    func watchSignals() {
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            // The default action would end the process before the drain; ServiceLifecycle ignores them too.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in received(name, number) }
            source.resume()
            signals.withLock { $0.sources.append(source) }
        }
    }

    private func received(_ name: String, _ number: Int32) {
        let count = signals.withLock { state -> Int in
            state.received += 1
            return state.received
        }
        guard count == 1 else {
            notice("mltui serve: \(name) again: stopping now")
            exit(128 + number)
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let open = registry.count
        notice("mltui serve: \(name): accepting no new connections; \(open) open, finishing their requests for up to \(Self.format(seconds)) s")
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            let closed = registry.closeAll()
            if closed > 0 { notice("mltui serve: closed \(closed) connection\(closed == 1 ? "" : "s") still open after \(Self.format(seconds)) s") }
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { [self] in
                notice("mltui serve: stopped after the shutdown deadline")
                exit(0)
            }
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
