/// `--help` and `--version`, which every subcommand takes, with `-H` and `-V` as in classic mode.
package enum HelpAndVersion {
    /// The last options of each subcommand's table. `gearman server` keeps gearmand's `-h`.
    package static func specs(helpLetter: Character = "H") -> [LongOptions.Spec] {
        [.init("help", short: helpLetter, help: "Print this help and exit."),
         .init("version", short: "V", help: "Print the version and exit.")]
    }

    /// Prints the help text (`help` wins) or the version line of `gearman SUBCOMMAND` when
    /// asked for, and returns exit status 0 then; nil when neither was asked for.
    package static func answer(help: Bool, version: Bool, subcommand: String, helpText: String) -> Int32? {
        if help {
            StandardStreams.write(helpText, to: StandardStreams.output)
        } else if version {
            StandardStreams.write(GearmanVersion.line(command: subcommand), to: StandardStreams.output)
        } else {
            return nil
        }
        return ExitCode.success.rawValue
    }
}
