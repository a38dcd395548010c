import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Tracking

/// Hummingbird's HTTP/1 child channel with what a server open to many clients needs and
/// `HTTP1Channel` lacks: HTTP/1.0 connections close after their answer, every connection is
/// counted in a `ConnectionRegistry` (which closes the oldest idle one past the cap, so new
/// clients — and `/health` — are still answered), a connection that sends nothing for
/// `idleTimeout` (between requests, or in the middle of a request's head or body) is closed, and
/// so is one that reads nothing of its answer for twice that (nginx's `send_timeout`).
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let registry: ConnectionRegistry
    let idleTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // As HTTP1Channel: no NIO pipelining assistance (NIOAsyncChannel reads in order), errors handled by Hummingbird.
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try channel.pipeline.syncOperations.addHandler(HTTP10ConnectionClose())
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try channel.pipeline.syncOperations.addHandler(ConnectionActivity(registry: registry, sendTimeout: idleTimeout * 2))
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel,
                                       configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

/// HTTP/1.0 without keep-alive (and HTTP/1.1 with any spelling of `Connection: close`) must be
/// closed after the answer; Hummingbird closes when the request says `Connection: close`, but
/// HTTP types carry no version, so the version is turned into that header before they are made.
final class HTTP10ConnectionClose: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}

/// Tells the registry when a connection opens, starts and ends requests, and closes; and closes
/// a connection whose client has let the answer fill the socket and read nothing of it for
/// `sendTimeout` (a download nobody reads would otherwise hold its connection forever).
final class ConnectionActivity: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    private let sendTimeout: Duration
    private var registered = false
    private var stalled: Scheduled<Void>?

    init(registry: ConnectionRegistry, sendTimeout: Duration) {
        self.registry = registry
        self.sendTimeout = sendTimeout
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        stalled?.cancel()
        stalled = nil
        if !context.channel.isWritable {
            let channel = context.channel
            stalled = context.eventLoop.scheduleTask(in: TimeAmount(sendTimeout)) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stalled?.cancel()
        stalled = nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context.channel)
        context.fireChannelActive()
    }

    private func register(_ channel: any Channel) {
        guard !registered else { return }
        registered = true
        registry.opened(channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stalled?.cancel()
        stalled = nil
        registry.closed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { registry.requestStarted(context.channel) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { registry.requestEnded(context.channel) }
        context.write(data, promise: promise)
    }
}

/// Every open connection and whether it is answering a request. A server can hold only as many
/// sockets as its open-file limit allows; past `capacity`, each new connection closes the
/// connection that has been idle longest (between requests, or still sending its first head),
/// so idle or half-sent sockets cannot lock new clients out, as nginx does with keep-alive
/// connections when it runs short.
public final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var requestsInFlight = 0
        var lastActive: UInt64
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
    }

    public let capacity: Int
    private let state = Locked(State())

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Connections open now.
    public var count: Int { state.withLock { $0.entries.count } }

    func opened(_ channel: any Channel) {
        let victims: [any Channel] = state.withLock { state in
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, lastActive: DispatchTime.now().uptimeNanoseconds)
            var victims: [any Channel] = []
            var over = state.entries.count - capacity
            while over > 0 {
                let idle = state.entries.filter { $0.value.requestsInFlight == 0 && $0.key != ObjectIdentifier(channel) }
                guard let oldest = idle.min(by: { $0.value.lastActive < $1.value.lastActive }) else { break }
                state.entries[oldest.key] = nil
                victims.append(oldest.value.channel)
                over -= 1
            }
            return victims
        }
        for victim in victims { victim.close(promise: nil) }
    }

    func requestStarted(_ channel: any Channel) {
        touch(channel) { $0.requestsInFlight += 1 }
    }

    func requestEnded(_ channel: any Channel) {
        touch(channel) { $0.requestsInFlight = max(0, $0.requestsInFlight - 1) }
    }

    func closed(_ channel: any Channel) {
        state.withLock { $0.entries[ObjectIdentifier(channel)] = nil }
    }

    /// Closes every connection still open (the end of a shutdown's drain).
    func closeAll() -> Int {
        let channels = state.withLock { state in state.entries.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    private func touch(_ channel: any Channel, _ change: (inout Entry) -> Void) {
        state.withLock { state in
            guard var entry = state.entries[ObjectIdentifier(channel)] else { return }
            change(&entry)
            entry.lastActive = DispatchTime.now().uptimeNanoseconds
            state.entries[ObjectIdentifier(channel)] = entry
        }
    }
}

/// How many connections the process can hold: the open-file limit, raised to its hard limit
/// first (as servers do at start), less descriptors kept for the store, logs and accept.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one and returns the soft limit then in force.
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// Descriptors left for everything but client connections (SQLite connections, files being
    /// read, the listening socket, logs).
    public static let reserved = 96
}
