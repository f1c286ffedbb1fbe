/// A pure re-implementation of GNU `getopt(3)` for short options: clustered flags (`-bv`),
/// joined values (`-fwc`), argument permutation, and `--` ending the options.
public struct Getopt: Sendable {
    /// One option found on the command line, with its value if it takes one.
    public struct Option: Equatable, Sendable {
        public var letter: Character
        public var value: String?
        public init(_ letter: Character, _ value: String? = nil) {
            self.letter = letter
            self.value = value
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

        public var description: String {
            switch self {
            case .invalidOption(let letter): return "invalid option -- '\(letter)'"
            case .missingValue(let letter): return "option requires an argument -- '\(letter)'"
            }
        }
    }

    private let takesValue: [Character: Bool]
    /// Stop at the first operand instead of permuting (`POSIXLY_CORRECT`, or a leading `+`).
    private let stopAtFirstOperand: Bool

    /// `optionString` uses getopt's syntax: a letter, followed by `:` when it takes a value.
    public init(optionString: String, posixlyCorrect: Bool = false) {
        var spec = Substring(optionString)
        var stop = posixlyCorrect
        if spec.first == "+" { stop = true; spec = spec.dropFirst() }
        var table: [Character: Bool] = [:]
        var index = spec.startIndex
        while index < spec.endIndex {
            let letter = spec[index]
            let next = spec.index(after: index)
            let hasValue = next < spec.endIndex && spec[next] == ":"
            table[letter] = hasValue
            index = hasValue ? spec.index(after: next) : next
        }
        self.takesValue = table
        self.stopAtFirstOperand = stop
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
                guard letter != ":", let hasValue = takesValue[letter] else {
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
