import Analysis
import ArgumentParser
import Foundation
import Terminal
import Tracking

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

enum Output {
    static func write(_ text: String) { write(Array(text.utf8)) }

    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }  // stdout closed (e.g. piped into head): stop quietly
                offset += written
            }
        }
    }

    /// Runs a command body, reporting any failure as one line on stderr (and, for JSON output, as
    /// MLflow's error body on stdout so scripts can read the error code), then exits 1.
    static func reporting(_ format: OutputFormat, _ body: () async throws -> Void) async throws {
        try await reporting(jsonErrors: format == .json, body)
    }

    static func reporting(jsonErrors: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as TerminalError {
            // The user's terminal, not a store: the reason and what to do, without an MLflow code.
            FileHandle.standardError.write(Data("mltui: \(error)\n".utf8))
            throw ExitCode.failure
        } catch {
            let mlflowError = (error as? CLIError)?.error ?? error.asMLflowError
            FileHandle.standardError.write(Data("mltui: \(mlflowError)\n".utf8))
            if jsonErrors { write(JSONWriter.errorBody(mlflowError) + "\n") }
            throw ExitCode.failure
        }
    }

    static func json(_ writer: JSONWriter) {
        write(writer.bytes)  // not appended to: that would copy a 10k-run answer
        write([UInt8(ascii: "\n")])
    }

    /// An aligned text table: columns as wide as their widest cell, the last one unpadded.
    static func table(header: [String], rows: [[String]]) {
        let header = header.map(singleLine), rows = rows.map { $0.map(singleLine) }
        var widths = header.map(DisplayWidth.of)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(cell)) }
        }
        var out = ""
        func line(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                out += cell
                if i < cells.count - 1 {
                    out += String(repeating: " ", count: widths[i] - DisplayWidth.of(cell) + 2)
                }
            }
            out += "\n"
        }
        line(header)
        for row in rows { line(row) }
        write(out)
    }

    /// RFC 4180 CSV (`FrameWriters.csv`): fields with commas, quotes or line breaks are quoted,
    /// quotes doubled.
    static func csv(header: [String], rows: [[String]]) {
        write(FrameWriters.csv(RunFrame(header: header, rows: rows.map { $0.map(Cell.text) })))
    }
}

/// Table cells are one line: line breaks shown as ⏎.
private func singleLine(_ text: String) -> String {
    guard text.contains(where: \.isNewline) else { return text }
    return String(text.map { $0.isNewline ? "⏎" : $0 })
}
