import Foundation

/// Axis bounds and tick positions chosen from "nice" steps (1, 2, 5 × 10^k; Heckbert's
/// Graphics Gems algorithm), so labels read 0.2, 0.4, 0.6 rather than 0.1873, 0.3746.
public struct AxisTicks: Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var values: [Double]
    public var step: Double

    /// Ticks covering `lo`...`hi` with about `target` intervals; the bounds snap out to ticks.
    public static func nice(_ lo: Double, _ hi: Double, target: Int, integer: Bool = false) -> AxisTicks {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi < lo { swap(&lo, &hi) }
        if hi == lo {
            // A constant series: a band around the value so the line sits in the middle.
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        var step = niceNumber((hi - lo) / Double(max(1, target)), round: true)
        if integer { step = max(1, step.rounded()) }
        let lower = (lo / step).rounded(.down) * step
        let upper = (hi / step).rounded(.up) * step
        var values: [Double] = []
        var v = lower
        var guardCount = 0
        while v <= upper + step * 1e-9, guardCount < 1000 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            guardCount += 1
            v = lower + Double(guardCount) * step
        }
        return AxisTicks(lower: lower, upper: upper, values: values, step: step)
    }

    /// Ticks without snapping the bounds (the x axis keeps the zoomed range exactly).
    public static func within(_ lo: Double, _ hi: Double, target: Int, integer: Bool = false) -> AxisTicks {
        guard hi > lo, lo.isFinite, hi.isFinite else { return AxisTicks(lower: lo, upper: hi, values: [lo], step: 1) }
        var step = niceNumber((hi - lo) / Double(max(1, target)), round: true)
        if integer { step = max(1, step.rounded()) }
        var values: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9, values.count < 1000 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return AxisTicks(lower: lo, upper: hi, values: values, step: step)
    }

    /// A log axis over log10 values: whole decades as ticks (thinned to about `target`).
    public static func logDecades(_ lo: Double, _ hi: Double, target: Int) -> AxisTicks {
        var lower = lo.rounded(.down), upper = hi.rounded(.up)
        if upper == lower { lower -= 1; upper += 1 }
        let every = max(1, Int(((upper - lower) / Double(max(1, target))).rounded(.up)))
        var values: [Double] = []
        var d = lower
        while d <= upper { values.append(d); d += Double(every) }
        return AxisTicks(lower: lower, upper: upper, values: values, step: Double(every))
    }
}

/// The nice number near `x`: 1, 2, 5 or 10 × a power of ten.
func niceNumber(_ x: Double, round: Bool) -> Double {
    guard x > 0, x.isFinite else { return 1 }
    let exponent = floor(log10(x))
    let fraction = x / pow(10, exponent)
    let nice: Double
    if round { nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10 }
    else { nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10 }
    return nice * pow(10, exponent)
}

/// A tick label: as many decimals as the step needs, exponent form for very large or small
/// magnitudes, never "-0".
public func tickLabel(_ value: Double, step: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e6 || magnitude < 1e-4 {
        let digits = max(0, Int(floor(log10(magnitude)) - floor(log10(abs(step)))))
        return compactExponent(String(format: "%.\(min(digits, 6))e", value))
    }
    let decimals = step >= 1 ? 0 : min(10, Int(-floor(log10(step) + 1e-9)))
    let text = String(format: "%.\(decimals)f", value)
    return text == "-0" ? "0" : text
}

/// "1.50e+06" -> "1.5e6", "2e-05" -> "2e-5".
private func compactExponent(_ text: String) -> String {
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    if mantissa.contains(".") {
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    var exponent = String(text[text.index(after: e)...])
    let negative = exponent.hasPrefix("-")
    exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
    return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
}

/// A log-axis label for the decade 10^d: 0.01, 0.1, 1, 10, 100, 1000, then 1e4….
public func decadeLabel(_ d: Double) -> String {
    let n = Int(d)
    if n >= 0 && n <= 3 { return String(Int(pow(10, Double(n)))) }
    if n < 0 && n >= -3 { return String(format: "%.\(-n)f", pow(10, Double(n))) }
    return "1e\(n)"
}

/// Durations for the relative-time axis: 45s, 2m, 1m30s, 3h, 2h15m, 4d.
public func durationLabel(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if abs(seconds) < 1 && seconds != 0 { return String(format: "%.2gs", seconds) }
    if s < 60 { return "\(s)s" }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
    if s < 86400 { return s % 3600 == 0 ? "\(s / 3600)h" : "\(s / 3600)h\((s % 3600) / 60)m" }
    return s % 86400 == 0 ? "\(s / 86400)d" : "\(s / 86400)d\((s % 86400) / 3600)h"
}

/// Nice steps for time axes (seconds): clock-friendly rather than 1-2-5.
func niceTimeStep(_ raw: Double) -> Double {
    let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                           21600, 43200, 86400, 172800, 604800]
    if raw < 1 { return niceNumber(raw, round: true) }
    return steps.first { $0 >= raw } ?? niceNumber(raw / 86400, round: true) * 86400
}

/// Ticks for a time axis in seconds, on multiples of a clock-friendly step.
func timeTicks(_ lo: Double, _ hi: Double, target: Int, utcOffset: Int = 0) -> AxisTicks {
    guard hi > lo else { return AxisTicks(lower: lo, upper: hi, values: [lo], step: 1) }
    let step = niceTimeStep((hi - lo) / Double(max(1, target)))
    let shift = Double(utcOffset)
    var values: [Double] = []
    var v = ((lo + shift) / step).rounded(.up) * step - shift
    while v <= hi + 1e-9, values.count < 1000 { values.append(v); v += step }
    return AxisTicks(lower: lo, upper: hi, values: values, step: step)
}

/// A wall-clock label whose precision follows the step: HH:MM:SS, HH:MM, MM-DD HH:MM or MM-DD,
/// dates with their year when it is not `now`'s.
func wallClockLabel(_ seconds: Double, step: Double, utcOffset: Int, now: Double) -> String {
    let millis = Int64(seconds.rounded(.down)) * 1000
    if step >= 86400 { return formatDate(millis, now: now, utcOffset: utcOffset, time: false) }
    if step >= 3600 * 6 { return formatDate(millis, now: now, utcOffset: utcOffset, time: true) }
    let parts = calendarParts(millis, utcOffset: utcOffset)
    if step >= 60 { return String(format: "%02d:%02d", parts.tm_hour, parts.tm_min) }
    return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
}
