/// One metadata value of a GGUF file, with the type the file stored it as.
///
/// GGUF keeps metadata as typed key-value pairs (`general.architecture`, `llama.block_count`,
/// `tokenizer.ggml.tokens`, ...). The accessors convert between compatible types so that a reader
/// does not care whether a writer chose `u32` or `i64` for a count.
public enum GGUFValue: Sendable, Equatable {
    /// Type 0.
    case uint8(UInt8)
    /// Type 1.
    case int8(Int8)
    /// Type 2.
    case uint16(UInt16)
    /// Type 3.
    case int16(Int16)
    /// Type 4.
    case uint32(UInt32)
    /// Type 5.
    case int32(Int32)
    /// Type 10.
    case uint64(UInt64)
    /// Type 11.
    case int64(Int64)
    /// Type 6.
    case float32(Float)
    /// Type 12.
    case float64(Double)
    /// Type 7.
    case bool(Bool)
    /// Type 8: UTF-8 text.
    case string(String)
    /// Type 9: a homogeneous array (the file stores one element type for all elements).
    case array([GGUFValue])

    /// The value as an integer, for any integer case that fits in `Int`; nil otherwise.
    /// - Complexity: O(1).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a floating-point number, for any numeric case; nil otherwise.
    /// - Complexity: O(1).
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: intValue.map(Double.init)
        }
    }

    /// The value as a Boolean (`bool`, or an integer 0 or 1); nil otherwise.
    /// - Complexity: O(1).
    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        switch intValue {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }

    /// The text of a `string` value; nil otherwise.
    /// - Complexity: O(1).
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The elements of an `array` value; nil otherwise.
    /// - Complexity: O(1).
    public var arrayValue: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }

    /// The elements of an array of strings; nil when this is not an array or an element is not a
    /// string.
    /// - Complexity: O(n) in the array's length.
    public var stringArray: [String]? {
        guard let elements = arrayValue else { return nil }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let text = element.stringValue else { return nil }
            result.append(text)
        }
        return result
    }

    /// The elements of an array of integers; nil when this is not an array or an element is not an
    /// integer.
    /// - Complexity: O(n) in the array's length.
    public var intArray: [Int]? {
        guard let elements = arrayValue else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = element.intValue else { return nil }
            result.append(value)
        }
        return result
    }
}
