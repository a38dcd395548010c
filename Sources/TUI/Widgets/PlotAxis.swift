import Foundation
import Terminal

/// A value on a plot axis: a number, or a category (a param whose values are not all numbers).
public enum AxisValue: Hashable, Sendable {
    case number(Double)
    case category(String)

    /// As a readout shows it.
    public var text: String {
        switch self {
        case .number(let v): return formatNumber(v)
        case .category(let c): return c
        }
    }
}

/// A tick of an axis: where it sits (0 at the low end, 1 at the high end) and its label.
public struct PlotTick: Equatable, Sendable {
    public var fraction: Double
    public var label: String
    public init(_ fraction: Double, _ label: String) {
        self.fraction = fraction
        self.label = label
    }
}

/// How one axis of a scatter or parallel-coordinates plot places values: numbers linearly
/// between its bounds, categories spread evenly in their order, each at the middle of its share.
public struct PlotAxis: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case numeric(lower: Double, upper: Double)
        case categorical([String])
    }

    public private(set) var kind: Kind
    public private(set) var ticks: [PlotTick]
    /// Each category's position in `kind`'s list.
    private var categoryIndex: [String: Int] = [:]
    /// A log axis: the bounds are decades (log10) and values sit at their log10.
    public private(set) var isLog = false

    public var isCategorical: Bool { if case .categorical = kind { return true } else { return false } }

    /// A numeric axis over `values` (non-finite ones ignored). `snapped`: bounds widened to nice
    /// ticks, about `target` of them (a scatter's axes); else the bounds are the least and
    /// greatest value and the ticks name just those (parallel coordinates).
    public static func numeric(_ values: [Double], target: Int, snapped: Bool) -> PlotAxis {
        let finite = values.filter(isPlottable)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if snapped {
            let nice = AxisTicks.nice(lo, hi, target: max(1, target))
            let span = nice.upper - nice.lower
            return PlotAxis(kind: .numeric(lower: nice.lower, upper: nice.upper),
                            ticks: nice.values.map { PlotTick(($0 - nice.lower) / span, tickLabel($0, step: nice.step)) })
        }
        let ticks = lo == hi ? [PlotTick(0.5, boundLabel(lo))] : [PlotTick(0, boundLabel(lo)), PlotTick(1, boundLabel(hi))]
        return PlotAxis(kind: .numeric(lower: lo, upper: hi), ticks: ticks)
    }

    /// A log10 axis over the positive values (the others are not on it), whole decades as ticks.
    public static func logarithmic(_ values: [Double], target: Int) -> PlotAxis {
        let logs = values.filter { isPlottable($0) && $0 > 0 }.map(log10)
        let decades = AxisTicks.logDecades(logs.min() ?? 0, logs.max() ?? 1, target: max(1, target))
        let span = decades.upper - decades.lower
        var axis = PlotAxis(kind: .numeric(lower: decades.lower, upper: decades.upper),
                            ticks: decades.values.map { PlotTick(($0 - decades.lower) / span, decadeLabel($0)) })
        axis.isLog = true
        return axis
    }

    /// A categorical axis; `names` in the order they go from the low end up.
    public static func categorical(_ names: [String]) -> PlotAxis {
        let n = Double(max(1, names.count))
        var axis = PlotAxis(kind: .categorical(names),
                            ticks: names.enumerated().map { PlotTick((Double($0.offset) + 0.5) / n, $0.element) })
        for (i, name) in names.enumerated() { axis.categoryIndex[name] = i }
        return axis
    }

    /// An axis fitting `values`: numeric when every one is a number, else categorical with the
    /// categories in Python's string order (by code point, as pandas sorts group keys).
    public static func fitting(_ values: [AxisValue], target: Int, snapped: Bool) -> PlotAxis {
        var numbers: [Double] = [], names = Set<String>()
        for value in values {
            switch value {
            case .number(let v): numbers.append(v)
            case .category(let c): names.insert(c)
            }
        }
        guard names.isEmpty else { return categorical(names.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) }
        return numeric(numbers, target: target, snapped: snapped)
    }

    /// Where `value` sits, 0...1; nil when it is not on this axis (NaN, ±inf, another kind).
    public func fraction(of value: AxisValue) -> Double? {
        switch (kind, value) {
        case let (.numeric(lower, upper), .number(value)):
            guard isPlottable(value), !isLog || value > 0 else { return nil }
            let v = isLog ? log10(value) : value
            return upper > lower ? min(1, max(0, (v - lower) / (upper - lower))) : 0.5
        case let (.categorical(names), .category(c)):
            return categoryIndex[c].map { (Double($0) + 0.5) / Double(names.count) }
        default:
            return nil
        }
    }
}

/// An axis bound in few cells: 4 significant digits ("0.5902", "1.235e+06"), integers whole.
func boundLabel(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e6 ? formatNumber(value) : String(format: "%.4g", value)
}

/// A value a plot can place: finite, and not the ±max double MLflow's SQL stores write for ±inf
/// (`sqlalchemy_store.sanitize_metric_value`).
public func isPlottable(_ value: Double) -> Bool {
    value.isFinite && abs(value) != Double.greatestFiniteMagnitude
}

extension Theme {
    /// A role's style for drawing data: its colours on the base background, without underline
    /// or reverse (reserved for what is selected).
    public func plotStyle(_ role: ThemeRole) -> Style {
        var style = self[role]
        style.bg = self[.base].bg
        style.attributes.remove(.underline)
        style.attributes.remove(.reverse)
        return style
    }

    /// Low to high colours for a colour scale, from the theme's accents (blue, cyan, green,
    /// yellow, orange, red in the built-in themes), each used once. A theme with fewer than
    /// three colours (mono, NO_COLOR) gets dim, plain and bold instead.
    public var colorRamp: [Style] {
        let roles: [ThemeRole] = [.status_running, .link, .ok, .marked, .warning, .error]
        var ramp: [Style] = []
        for style in roles.map(plotStyle) where !ramp.contains(where: { $0.fg == style.fg }) { ramp.append(style) }
        guard ramp.count < 3 else { return ramp }
        let base = self[.base]
        var dim = base, bold = base
        dim.attributes.insert(.dim)
        bold.attributes.insert(.bold)
        return [dim, base, bold]
    }
}

/// A number's label cut to `width` columns without losing its magnitude: mantissa digits go
/// first ("1.272e-05" → "1.27e-5" → "1e-5"), then decimals ("0.12345" → "0.12"); only a label
/// that still does not fit is cut at the end. Non-numeric labels are returned as they are.
func fitNumberLabel(_ text: String, width: Int) -> String {
    guard text.count > width, Double(text) != nil else { return text }
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        let mantissa = String(text[..<e])
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        let suffix = "e\(exponent)"
        let value = Double(mantissa) ?? 0
        for digits in stride(from: 6, through: 0, by: -1) {
            let candidate = trimmedDecimal(value, decimals: digits) + suffix
            if candidate.count <= width { return candidate }
        }
        return String((trimmedDecimal(value, decimals: 0) + suffix).prefix(width))
    }
    let value = Double(text) ?? 0
    if let dot = text.firstIndex(of: ".") {
        let whole = text.distance(from: text.startIndex, to: dot)
        if whole <= width {
            let candidate = trimmedDecimal(value, decimals: max(0, width - whole - 1))
            if candidate.count <= width, Double(candidate) != 0 || value == 0 { return candidate }
        }
    }
    // Too many whole digits (or a small value that would round to 0): exponent form.
    return fitNumberLabel(String(format: "%.6e", value), width: width)
}

/// `value` with at most `decimals` decimals, trailing zeros and a bare point dropped.
private func trimmedDecimal(_ value: Double, decimals: Int) -> String {
    var text = String(format: "%.\(decimals)f", value)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
}
