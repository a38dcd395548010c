/// MLflow's system metrics: what `mlflow.start_run(log_system_metrics=True)` logs under
/// `system/` (mlflow/system_metrics/metrics/*_monitor.py: cpu_utilization_percentage,
/// system_memory_usage_megabytes, gpu_0_utilization_percentage, disk_usage_percentage,
/// network_receive_megabytes, …), grouped by device.
public enum SystemMetrics {
    public static let prefix = "system/"

    public static func isSystem(_ key: String) -> Bool { key.hasPrefix(prefix) }

    /// A device group, in the order they are shown: CPU, memory, each GPU, disk, network, other.
    public struct Group: Hashable, Comparable, Sendable {
        public var name: String
        var order: Int
        public static func < (a: Group, b: Group) -> Bool { (a.order, a.name) < (b.order, b.name) }
    }

    /// The group of a `system/` key and its name within it (`system/gpu_1_utilization_percentage`
    /// is "utilization_percentage" of "GPU 1").
    public static func classify(_ key: String) -> (group: Group, name: String) {
        let name = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        for (start, group) in [("cpu_", Group(name: "CPU", order: 0)), ("system_memory_", Group(name: "Memory", order: 1)),
                               ("disk_", Group(name: "Disk", order: 1000)), ("network_", Group(name: "Network", order: 1001))]
        where name.hasPrefix(start) {
            return (group, String(name.dropFirst(start.count)))
        }
        if name.hasPrefix("gpu_") {
            let rest = name.dropFirst(4)
            let digits = rest.prefix { $0.isNumber }
            if let index = Int(digits), rest.dropFirst(digits.count).hasPrefix("_") {
                return (Group(name: "GPU \(index)", order: 10 + min(index, 900)), String(rest.dropFirst(digits.count + 1)))
            }
        }
        return (Group(name: "Other", order: 2000), name)
    }
}
