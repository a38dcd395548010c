import Dispatch
import Foundation

/// `body(0..<count)` on all cores; results in index order. Small inputs stay on this thread.
public func parallelMap<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    if count < 64 { return (0..<count).map(body) }
    // nonisolated(unsafe): each index is written by exactly one iteration, and read only after
    // concurrentPerform has returned.
    nonisolated(unsafe) let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let chunks = min(count, ProcessInfo.processInfo.activeProcessorCount * 8)
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for i in (chunk * count / chunks)..<((chunk + 1) * count / chunks) {
                results[i] = body(i)
            }
        }
    }
    let out = results.map { $0! }
    _ = results.deinitialize()
    return out
}
