import Tracking
import XCTest

/// The keys MLflow 3.17.2's monitors log (mlflow/system_metrics/metrics/*_monitor.py), by device.
final class SystemMetricsTests: XCTestCase {
    func testKeysAreGroupedByDeviceInOrder() {
        let keys = ["system/network_receive_megabytes", "system/gpu_10_utilization_percentage", "system/disk_usage_percentage",
                    "system/gpu_1_memory_usage_megabytes", "system/cpu_utilization_percentage", "system/gpu_0_power_usage_watts",
                    "system/system_memory_usage_percentage", "system/gpu_2_memory_usage_gigabytes", "system/custom_probe", "system/gpu_x"]
        let classified = keys.map(SystemMetrics.classify)
        XCTAssertEqual(classified.map(\.name), ["receive_megabytes", "utilization_percentage", "usage_percentage", "memory_usage_megabytes",
                                                "utilization_percentage", "power_usage_watts", "usage_percentage", "memory_usage_gigabytes",
                                                "custom_probe", "gpu_x"])
        let order = Array(Set(classified.map(\.group))).sorted().map(\.name)
        XCTAssertEqual(order, ["CPU", "Memory", "GPU 0", "GPU 1", "GPU 2", "GPU 10", "Disk", "Network", "Other"])
        XCTAssertTrue(SystemMetrics.isSystem("system/cpu_utilization_percentage"))
        XCTAssertFalse(SystemMetrics.isSystem("val/system_loss"))
    }
}
