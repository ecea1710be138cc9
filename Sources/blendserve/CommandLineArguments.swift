/// A command-line mistake: reported as one line on standard error with exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// A failure while running a command: reported on standard error with exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// The options and positional arguments of one subcommand, parsed against the options it knows.
///
/// Options are `--name value`, `--name=value` or, for flags, `--name`; `-o` is short for
/// `--output`. Unknown options, missing values and repeated options are usage errors.
struct CommandLineArguments {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private(set) var positionals: [String] = []
    let command: String

    /// Parses `arguments` for `command`, accepting the options in `valued` (which take a value)
    /// and `switches` (which do not).
    init(_ arguments: [String], command: String, valued: Set<String>, switches: Set<String>) throws {
        self.command = command
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            if argument == "-o" { argument = "--output" }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                if argument.hasPrefix("-"), argument.count > 1, Double(argument) == nil {
                    throw UsageError(description: "\(command): unknown option '\(argument)' (see blendserve \(command) --help)")
                }
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if switches.contains(name) {
                guard inlineValue == nil else {
                    throw UsageError(description: "\(command): --\(name) takes no value")
                }
                flags.insert(name)
            } else if valued.contains(name) {
                guard values[name] == nil else {
                    throw UsageError(description: "\(command): --\(name) given twice")
                }
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw UsageError(description: "\(command): --\(name) needs a value")
                    }
                    values[name] = arguments[index]
                    index += 1
                }
            } else {
                throw UsageError(description: "\(command): unknown option '--\(name)' (see blendserve \(command) --help)")
            }
        }
    }

    /// Whether the flag `name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The raw value of `name`, if given.
    func string(_ name: String) -> String? { values[name] }

    /// The value of `name` as an integer within `range`, or `defaultValue` when absent.
    func integer(_ name: String, default defaultValue: Int? = nil, in range: ClosedRange<Int> = Int.min ... Int.max) throws -> Int? {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            throw UsageError(description: "\(command): --\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// The value of `name` as a finite number within `range`, or `defaultValue` when absent.
    func number(_ name: String, default defaultValue: Double? = nil, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = values[name] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError(description: "\(command): --\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// The value of `name` as an unsigned 64-bit seed, or `defaultValue` when absent.
    func seed(_ name: String, default defaultValue: UInt64) throws -> UInt64 {
        guard let text = values[name] else { return defaultValue }
        guard let value = UInt64(text) else {
            throw UsageError(description: "\(command): --\(name) must be a non-negative integer, got '\(text)'")
        }
        return value
    }

    /// Exactly `count` positional arguments, or a usage error naming `what` they are.
    func requirePositionals(_ count: Int, what: String) throws -> [String] {
        guard positionals.count == count else {
            throw UsageError(description: positionals.count < count
                ? "\(command): missing \(what)"
                : "\(command): unexpected argument '\(positionals[count])'")
        }
        return positionals
    }
}
