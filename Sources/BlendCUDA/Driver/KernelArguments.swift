/// The parameter values of one kernel launch, in declaration order.
///
/// Each value sits in its own 8-byte slot; the driver reads as many bytes from each slot as the
/// kernel's parameter takes, so 4-byte values (int, float) are stored in the slot's low bytes
/// (little-endian hosts).
public struct KernelArguments: Sendable {
    private var slots: [UInt64] = []

    /// Creates an empty argument list.
    /// - Complexity: O(1).
    public init() {}

    /// Appends a device address (a pointer parameter).
    /// - Complexity: O(1) amortised.
    public mutating func pointer(_ address: UInt64) { slots.append(address) }

    /// Appends an `int` parameter.
    /// - Complexity: O(1) amortised.
    public mutating func int32(_ value: Int) { slots.append(UInt64(UInt32(bitPattern: Int32(value)))) }

    /// Appends a `long long` parameter.
    /// - Complexity: O(1) amortised.
    public mutating func int64(_ value: Int) { slots.append(UInt64(bitPattern: Int64(value))) }

    /// Appends a `float` parameter.
    /// - Complexity: O(1) amortised.
    public mutating func float(_ value: Float) { slots.append(UInt64(value.bitPattern)) }

    /// Appends a `double` parameter.
    /// - Complexity: O(1) amortised.
    public mutating func double(_ value: Double) { slots.append(value.bitPattern) }

    /// Calls `body` with the array of pointers to the values that `cuLaunchKernel` takes.
    /// - Complexity: O(arguments).
    func withPointers<R>(_ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) throws -> R) rethrows -> R {
        var values = slots
        return try values.withUnsafeMutableBufferPointer { values in
            // A trailing nil keeps the array non-empty; the driver reads only as many as the kernel takes.
            var pointers = (0..<values.count).map { UnsafeMutableRawPointer(values.baseAddress! + $0) as UnsafeMutableRawPointer? }
            pointers.append(nil)
            return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
        }
    }
}
