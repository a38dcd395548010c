import Foundation

/// The state file of a store: `$XDG_STATE_HOME/mltui/<hash>.json` (default
/// `~/.local/state/mltui/`), one per store, named by a stable hash of the store's URI.
struct StoreMemoryFile: Sendable {
    let directory: String

    /// The state directory from the environment; nil when neither XDG_STATE_HOME nor HOME is
    /// usable. The XDG Base Directory spec ignores a relative XDG_STATE_HOME.
    static func directory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/mltui" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/mltui" }
        return nil
    }

    func path(store: String) -> String { directory + "/" + Self.fileName(store: store) }

    /// FNV-1a, 64 bits: the same on every run and platform (Swift's `Hasher` is seeded per process).
    static func fileName(store: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in store.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(format: "%016llx", hash) + ".json"
    }

    /// A missing file is nothing remembered; one that cannot be read or parsed is ignored with a note.
    func load(store: String) -> MemoryLoad {
        let path = path(store: store)
        guard FileManager.default.fileExists(atPath: path) else { return .none }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return .found(try JSONDecoder().decode(StoreMemory.self, from: data))
        } catch {
            return .unreadable("ignoring the unreadable view state \(path): \(Self.reason(error))")
        }
    }

    /// Writes a temporary file beside the target and renames it over, so a crash or a second
    /// mltui never leaves half a file. Failures (a read-only directory) are ignored: nothing is
    /// remembered then.
    func save(_ memory: StoreMemory) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(memory) else { return }
        let path = path(store: memory.store)
        let temporary = path + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
            guard rename(temporary, path) == 0 else { unlink(temporary); return }
        } catch {
            return
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context):
            return context.debugDescription
        default: return error.localizedDescription
        }
    }
}
