extension _GGUFCursor {
    /// Reads a u32 value type id and checks that GGUF defines it.
    /// - Complexity: O(1).
    mutating func valueType(for what: @autoclosure () -> String) throws -> _GGUFValueType {
        let start = position
        let raw = try uint32(for: "the value type of \(what())")
        guard let type = _GGUFValueType(rawValue: raw) else {
            throw error("\(what()) has value type id \(raw), which is not a GGUF value type (0 to 12)", at: start)
        }
        return type
    }

    /// Reads one metadata value of `type`; `what` names it for messages (`"general.name"`,
    /// `element 3 of "tokenizer.ggml.tokens"`), `depth` counts the arrays it lies in.
    /// - Complexity: O(bytes read).
    mutating func value(of type: _GGUFValueType, for what: @autoclosure () -> String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case .string:
            return .string(try string(for: what()))
        case .array:
            return .array(try array(for: what(), depth: depth + 1))
        default:
            let start = position
            let raw = try bits(type.minimumBytes, for: what())
            guard let value = type.scalar(raw) else {
                throw error("\(what()) is a bool stored as \(raw); it must be 0 or 1", at: start)
            }
            return value
        }
    }

    /// Reads an array header (u32 element type, u64 count) and its elements; `depth` is 1 for an
    /// array that is a metadata value itself.
    /// - Complexity: O(bytes read).
    private mutating func array(for what: @autoclosure () -> String, depth: Int) throws -> [GGUFValue] {
        let start = position
        guard depth <= _GGUFValueType.maxArrayDepth else {
            throw error("\(what()) nests arrays more than \(_GGUFValueType.maxArrayDepth) deep", at: start)
        }
        let elementType = try valueType(for: "the elements of \(what())")
        let countOffset = position
        let count = try self.count(for: "the element count of \(what())")
        guard count <= remaining / elementType.minimumBytes else {
            throw error("\(what()) claims \(count) elements of type \(elementType.name), more than the \(remaining) "
                + "bytes left in the file can hold", at: countOffset)
        }
        var elements: [GGUFValue] = []
        elements.reserveCapacity(count)
        switch elementType {
        case .string:
            for index in 0..<count {
                elements.append(.string(try string(for: "element \(index) of \(what())")))
            }
        case .array:
            for index in 0..<count {
                elements.append(.array(try array(for: "element \(index) of \(what())", depth: depth + 1)))
            }
        default:
            let size = elementType.minimumBytes
            for index in 0..<count {
                let elementOffset = position
                guard let value = elementType.scalar(try bits(size, for: "element \(index) of \(what())")) else {
                    throw error("element \(index) of \(what()) is a bool stored as neither 0 nor 1", at: elementOffset)
                }
                elements.append(value)
            }
        }
        return elements
    }
}
