/// A pure re-implementation of GNU `getopt(3)` for short options: clustered flags (`-bv`),
/// joined values (`-fwc`), argument permutation, and `--` ending the options; plus, when
/// given, `getopt_long`-style long options (`--name`, `--name=value`, `--name value`).
public struct Getopt: Sendable {
    /// One option found on the command line, with its value if it takes one.
    public struct Option: Equatable, Sendable {
        public var letter: Character
        public var value: String?
        /// The name of a long option (then `letter` is "-").
        public var long: String?
        public init(_ letter: Character, _ value: String? = nil) {
            self.letter = letter
            self.value = value
        }
        public init(long: String, _ value: String? = nil) {
            self.letter = "-"
            self.value = value
            self.long = long
        }
    }

    /// Options in the order given, and the operands (non-options) in their order.
    public struct Result: Equatable, Sendable {
        public var options: [Option] = []
        public var operands: [String] = []
    }

    /// Why the command line does not fit the option string, in getopt's own words.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalidOption(Character)
        case missingValue(Character)
        case unrecognizedLong(String)
        case longMissingValue(String)
        case longUnexpectedValue(String)

        public var description: String {
            switch self {
            case .invalidOption(let letter): return "invalid option -- '\(letter)'"
            case .missingValue(let letter): return "option requires an argument -- '\(letter)'"
            case .unrecognizedLong(let name): return "unrecognized option '--\(name)'"
            case .longMissingValue(let name): return "option '--\(name)' requires an argument"
            case .longUnexpectedValue(let name): return "option '--\(name)' doesn't allow an argument"
            }
        }
    }

    /// For each ASCII letter: nil if it is no option, else whether it takes a value.
    /// A flat table rather than a Dictionary keeps start-up free of runtime generic lookups.
    private let takesValue: [Bool?]
    /// Stop at the first operand instead of permuting (`POSIXLY_CORRECT`, or a leading `+`).
    private let stopAtFirstOperand: Bool
    /// Long option names and whether each takes a value; none means `--x` is read as getopt does.
    private let longOptions: [(name: String, takesValue: Bool)]

    /// `optionString` uses getopt's syntax: a letter, followed by `:` when it takes a value.
    /// Long options must be spelled out in full.
    public init(optionString: String, longOptions: [(name: String, takesValue: Bool)] = [], posixlyCorrect: Bool = false) {
        self.longOptions = longOptions
        var spec = Array(optionString.utf8)[...]
        var stop = posixlyCorrect
        if spec.first == UInt8(ascii: "+") { stop = true; spec = spec.dropFirst() }
        var table = [Bool?](repeating: nil, count: 128)
        while let letter = spec.popFirst() {
            let hasValue = spec.first == UInt8(ascii: ":")
            if hasValue { spec = spec.dropFirst() }
            if letter < 128 && letter != UInt8(ascii: ":") { table[Int(letter)] = hasValue }
        }
        self.takesValue = table
        self.stopAtFirstOperand = stop
    }

    private func lookup(_ letter: Character) -> Bool? {
        guard let ascii = letter.asciiValue else { return nil }
        return takesValue[Int(ascii)]
    }

    /// Parses `arguments` (without the program name).
    public func parse(_ arguments: [String]) throws(ParseError) -> Result {
        var result = Result()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                result.operands.append(contentsOf: arguments[index...])
                break
            }
            if !longOptions.isEmpty, argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let attached = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
                guard let spec = longOptions.first(where: { $0.name == name }) else { throw .unrecognizedLong(name) }
                if !spec.takesValue {
                    if attached != nil { throw .longUnexpectedValue(name) }
                    result.options.append(Option(long: name))
                } else if let attached {
                    result.options.append(Option(long: name, attached))
                } else if index < arguments.count {
                    result.options.append(Option(long: name, arguments[index]))
                    index += 1
                } else {
                    throw .longMissingValue(name)
                }
                continue
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                result.operands.append(argument)
                if stopAtFirstOperand {
                    result.operands.append(contentsOf: arguments[index...])
                    break
                }
                continue
            }
            var letters = Substring(argument).dropFirst()
            while let letter = letters.first {
                letters = letters.dropFirst()
                guard let hasValue = lookup(letter) else {
                    throw .invalidOption(letter)
                }
                if !hasValue {
                    result.options.append(Option(letter))
                    continue
                }
                if !letters.isEmpty {
                    result.options.append(Option(letter, String(letters)))
                } else if index < arguments.count {
                    result.options.append(Option(letter, arguments[index]))
                    index += 1
                } else {
                    throw .missingValue(letter)
                }
                break
            }
        }
        return result
    }
}
