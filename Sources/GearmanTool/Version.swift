/// The release number: every `--version`, the server's admin `version` and start-up line, and
/// the man page's footer show this one, so that they never disagree.
package enum GearmanVersion {
    package static let number = "0.4.0"

    /// The `--version` line of `gearman` (`command` nil) or of `gearman COMMAND`.
    package static func line(command: String?) -> String {
        "gearman\(command.map { " \($0)" } ?? "") \(number)\n"
    }
}
