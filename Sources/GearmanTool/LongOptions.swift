/// A command line in the style of boost::program_options, which gearmand and gearadmin use:
/// `--name value`, `--name=value`, `-x value`, `-xvalue`, clustered flags (`-dR`), `--` ends
/// options, and long names must be spelled out in full.
package struct LongOptions {
    /// One option the command knows.
    package struct Spec {
        package let long: String
        let short: Character?
        /// The value's name in the help text, or nil for a flag.
        let value: String?
        let help: String

        package init(_ long: String, short: Character? = nil, value: String? = nil, help: String) {
            self.long = long
            self.short = short
            self.value = value
            self.help = help
        }
    }

    package struct Failure: Error, Equatable {
        package let message: String
        package init(message: String) { self.message = message }
    }

    /// Options in command-line order, by long name, with their values ("" for flags).
    private(set) var given: [(name: String, value: String)] = []
    /// Arguments that are not options.
    package private(set) var positional: [String] = []

    package init(_ arguments: [String], specs: [Spec]) throws(Failure) {
        var index = 0
        func value(for spec: Spec, attached: String?, shown: String) throws(Failure) -> String {
            if let attached { return attached }
            index += 1
            guard index < arguments.count else {
                throw Failure(message: "the required argument for option '\(shown)' is missing")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                positional += arguments[(index + 1)...]
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                guard let spec = specs.first(where: { $0.long == name }) else {
                    throw Failure(message: "unrecognized option '--\(name)'")
                }
                if spec.value == nil {
                    if parts.count > 1 { throw Failure(message: "option '--\(name)' does not take any arguments") }
                    given.append((name, ""))
                } else {
                    given.append((name, try value(for: spec, attached: parts.count > 1 ? String(parts[1]) : nil, shown: "--\(name)")))
                }
            } else if argument.hasPrefix("-") && argument.count > 1 {
                var letters = argument.dropFirst()
                while let letter = letters.first {
                    letters = letters.dropFirst()
                    guard let spec = specs.first(where: { $0.short == letter }) else {
                        throw Failure(message: "unrecognized option '-\(letter)'")
                    }
                    if spec.value == nil {
                        given.append((spec.long, ""))
                        continue
                    }
                    given.append((spec.long, try value(for: spec, attached: letters.isEmpty ? nil : String(letters), shown: "--\(spec.long)")))
                    break
                }
            } else {
                positional.append(argument)
            }
            index += 1
        }
    }

    /// The last value given for `name`, if any.
    package func last(_ name: String) -> String? {
        given.last { $0.name == name }?.value
    }

    /// Every value given for `name`, in order.
    package func all(_ name: String) -> [String] {
        given.filter { $0.name == name }.map(\.value)
    }

    package func has(_ name: String) -> Bool {
        given.contains { $0.name == name }
    }

    /// The last value of `name` as a whole number, or nil if not given.
    package func integer(_ name: String) throws(Failure) -> Int? {
        guard let text = last(name) else { return nil }
        guard let number = Int(text) else {
            throw Failure(message: "the argument ('\(text)') for option '--\(name)' is invalid")
        }
        return number
    }

    /// A help table: one line per option, the help text aligned in a second column.
    package static func help(_ specs: [Spec]) -> String {
        let left = specs.map { spec in
            (spec.short.map { "-\($0) [ --\(spec.long) ]" } ?? "--\(spec.long)") + (spec.value.map { " \($0)" } ?? "")
        }
        let width = (left.map(\.count).max() ?? 0) + 2
        return zip(left, specs).map { text, spec in
            "  " + text + String(repeating: " ", count: width - text.count) + spec.help + "\n"
        }.joined()
    }
}
