/// The type ids GGUF stores before each metadata value and in each array header.
enum _GGUFValueType: UInt32, CaseIterable {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// How deeply arrays may nest: an array of arrays of arrays is the most a file may hold.
    static let maxArrayDepth = 3

    /// The type of `value`.
    init(of value: GGUFValue) {
        switch value {
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .uint16: self = .uint16
        case .int16: self = .int16
        case .uint32: self = .uint32
        case .int32: self = .int32
        case .float32: self = .float32
        case .bool: self = .bool
        case .string: self = .string
        case .array: self = .array
        case .uint64: self = .uint64
        case .int64: self = .int64
        case .float64: self = .float64
        }
    }

    /// The fewest bytes a value of this type takes in a file (a string or array header counts,
    /// its contents may be empty).
    var minimumBytes: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }

    /// The value of a fixed-width type from the little-endian number its `minimumBytes` bytes
    /// hold; nil for a bool that is neither 0 nor 1, and for strings and arrays.
    func scalar(_ raw: UInt64) -> GGUFValue? {
        switch self {
        case .uint8: .uint8(UInt8(truncatingIfNeeded: raw))
        case .int8: .int8(Int8(truncatingIfNeeded: raw))
        case .uint16: .uint16(UInt16(truncatingIfNeeded: raw))
        case .int16: .int16(Int16(truncatingIfNeeded: raw))
        case .uint32: .uint32(UInt32(truncatingIfNeeded: raw))
        case .int32: .int32(Int32(truncatingIfNeeded: raw))
        case .uint64: .uint64(raw)
        case .int64: .int64(Int64(bitPattern: raw))
        case .float32: .float32(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case .float64: .float64(Double(bitPattern: raw))
        case .bool: raw <= 1 ? .bool(raw == 1) : nil
        case .string, .array: nil
        }
    }

    /// GGUF's name of the type, for messages.
    var name: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float64: "float64"
        }
    }
}
