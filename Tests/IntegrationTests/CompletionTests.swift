import Foundation
import XCTest

/// Loads the shell completions in completions/ into real shells and asks them
/// to complete gearman command lines.
final class CompletionTests: XCTestCase {
    /// Every flag of the classic getopt string "bc:f:h:HILnNp:Pst:u:vwi:dSj:V", and the long options.
    static let flags = ["-f", "-h", "-p", "-w", "-b", "-n", "-N", "-s", "-u", "-t",
                        "-c", "-i", "-d", "-I", "-L", "-P", "-v", "-H", "-S", "-j", "-V",
                        "--id", "--job-timeout", "--concurrency", "--shutdown-timeout", "--exceptions", "--window", "--json",
                        "--help", "--version"]

    static var root: String { ShellRunner.repositoryRoot(from: #filePath) }

    static func requireTool(_ name: String) throws -> String {
        guard let path = ShellRunner.which(name) else {
            throw XCTSkip("\(name) is not installed")
        }
        return path
    }

    /// Lines of output, trimmed, without empty ones.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The long options `gearman SUBCOMMAND --help` lists: every shell must offer each of them.
    static func serverOptions(_ subcommand: String = "server") throws -> [String] {
        try Binaries.require(Binaries.ours)
        let help = try Command.run(Binaries.ours, [subcommand, "--help"]).stdoutText
        return help.split(separator: "\n").compactMap { line in
            line.range(of: #"--[a-z0-9-]+"#, options: .regularExpression).map { String(line[$0]) }
        }
    }

    // MARK: bash

    /// Runs the bash completion function for a command line whose words, as
    /// bash splits them (':' is a word break), are `words`; the last word is
    /// the one being completed. Returns COMPREPLY, one entry a line.
    static func bashComplete(line: String, words: [String], prelude: String = "",
                             environment: [String: String] = [:]) throws -> [String] {
        let bash = try requireTool("bash")
        let quotedWords = words.map(ShellRunner.shellQuote).joined(separator: " ")
        let script = """
        \(prelude)
        source completions/gearman.bash || exit 90
        COMP_LINE=\(ShellRunner.shellQuote(line))
        COMP_POINT=${#COMP_LINE}
        COMP_WORDS=(\(quotedWords))
        COMP_CWORD=\(words.count - 1)
        COMPREPLY=()
        _gearman
        printf '%s\\n' "${COMPREPLY[@]}"
        """
        let result = try ShellRunner.run(bash, ["--norc", "--noprofile", "-c", script],
                                         environment: ShellRunner.environment(environment),
                                         currentDirectory: root)
        XCTAssertEqual(result.status, 0, "bash failed: \(result.stderr)")
        return lines(result.stdout)
    }

    /// Splits a command line on blanks only; enough for the lines used here.
    static func bashComplete(_ line: String) throws -> [String] {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if line.hasSuffix(" ") { words.append("") }
        return try bashComplete(line: line, words: words)
    }

    func testBashFileParses() throws {
        let bash = try Self.requireTool("bash")
        let result = try ShellRunner.run(bash, ["-n", "completions/gearman.bash"], currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
    }

    func testBashRegistersCompletion() throws {
        let bash = try Self.requireTool("bash")
        let result = try ShellRunner.run(bash, ["--norc", "--noprofile", "-c",
                                                "source completions/gearman.bash && complete -p gearman"],
                                         currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("-F _gearman"), result.stdout)
        XCTAssertEqual(result.stderr, "")
    }

    func testBashOffersEveryFlag() throws {
        let offered = try Self.bashComplete("gearman -")
        for flag in Self.flags {
            XCTAssertTrue(offered.contains(flag), "bash does not offer \(flag): \(offered)")
        }
        XCTAssertFalse(offered.contains("server"))
    }

    func testBashOffersServerOnlyInFirstPosition() throws {
        XCTAssertEqual(try Self.bashComplete("gearman "), ["admin", "bench", "server", "status", "top"])
        XCTAssertEqual(try Self.bashComplete("gearman ser"), ["server"])
        XCTAssertFalse(try Self.bashComplete("gearman -b ").contains("server"))
        XCTAssertFalse(try Self.bashComplete("gearman -w -f x ser").contains("server"))
    }

    func testBashOffersEveryServerOption() throws {
        let offered = try Self.bashComplete("gearman server --")
        let expected = try Self.serverOptions()
        XCTAssertGreaterThan(expected.count, 20)
        for option in expected {
            XCTAssertTrue(offered.contains(option), "bash does not offer \(option): \(offered)")
        }
        XCTAssertEqual(try Self.bashComplete("gearman server --verbose IN"), ["INFO"])
        XCTAssertEqual(try Self.bashComplete("gearman server -q "), ["builtin", "libsqlite3", "postgres"])
    }

    func testBashOffersEverySubcommandOption() throws {
        for subcommand in ["admin", "top", "status", "bench"] {
            let offered = try Self.bashComplete("gearman \(subcommand) --")
            let expected = try Self.serverOptions(subcommand)
            XCTAssertGreaterThan(expected.count, 5)
            for option in expected {
                XCTAssertTrue(offered.contains(option), "bash does not offer \(option) for \(subcommand): \(offered)")
            }
        }
    }

    /// `gearman-server` and `gearman-bench`, the executables themselves, complete as the subcommands.
    func testBashCompletesTheServerAndBenchExecutables() throws {
        let offered = try Self.bashComplete("gearman-server --")
        for option in try Self.serverOptions() {
            XCTAssertTrue(offered.contains(option), "bash does not offer \(option) for gearman-server: \(offered)")
        }
        XCTAssertEqual(try Self.bashComplete("gearman-bench "), ["submit", "drain", "e2e", "rtt"])
        XCTAssertEqual(try Self.bashComplete("/usr/local/bin/gearman-bench rtt --keep"), ["--keep-jobs"])
    }

    func testBashCompletesBenchScenariosAndValues() throws {
        XCTAssertEqual(try Self.bashComplete("gearman bench "), ["submit", "drain", "e2e", "rtt"])
        XCTAssertEqual(try Self.bashComplete("gearman bench -n 5 e"), ["e2e"])
        XCTAssertEqual(try Self.bashComplete("gearman bench rtt "), [], "one scenario only")
        XCTAssertEqual(try Self.bashComplete("gearman bench --unique "), ["none", "distinct"])
        XCTAssertEqual(try Self.bashComplete("gearman bench -c "), [])
    }

    func testBashCompletesWorkerCommand() throws {
        XCTAssertTrue(try Self.bashComplete("gearman -f x -w -- wc").contains("wc"))
        XCTAssertTrue(try Self.bashComplete("gearman -w -f x wc").contains("wc"))
        XCTAssertTrue(try Self.bashComplete("gearman -wfx wc").contains("wc"))
        XCTAssertTrue(try Self.bashComplete("gearman -f x -- wc").contains("wc"))
        XCTAssertTrue(try Self.bashComplete("gearman -w --id w1 --job-timeout 5 -f x wc").contains("wc"))
        XCTAssertEqual(try Self.bashComplete("gearman -w --id "), [])
        XCTAssertEqual(try Self.bashComplete("gearman -w --job"), ["--job-timeout"])
    }

    func testBashClientOperandsAndFreeValuesAreNotCompleted() throws {
        XCTAssertEqual(try Self.bashComplete("gearman -f x wc"), [])
        XCTAssertEqual(try Self.bashComplete("gearman -f "), [])
        XCTAssertEqual(try Self.bashComplete("gearman -w -p "), [])
        XCTAssertEqual(try Self.bashComplete("gearman -t "), [])
        XCTAssertEqual(try Self.bashComplete("gearman -w -c "), [])
        XCTAssertEqual(try Self.bashComplete("gearman -u "), [])
        // A joined value is not a flag to complete.
        XCTAssertEqual(try Self.bashComplete("gearman -fwc"), [])
    }

    func testBashCompletesHostsFromHostFile() throws {
        let hostFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("gearman-hosts-\(UUID().uuidString)")
        try "192.0.2.1 gm1.example gm2.example\n".write(to: hostFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: hostFile) }
        let prelude = "HOSTFILE=\(ShellRunner.shellQuote(hostFile.path))"

        let plain = try Self.bashComplete(line: "gearman -h gm", words: ["gearman", "-h", "gm"], prelude: prelude)
        XCTAssertEqual(Set(plain), ["gm1.example", "gm2.example"])

        let joined = try Self.bashComplete(line: "gearman -hgm1", words: ["gearman", "-hgm1"], prelude: prelude)
        XCTAssertEqual(joined, ["-hgm1.example"])

        // bash splits "gm1:4730,gm2" at the colon and replaces only the part after it.
        let list = try Self.bashComplete(line: "gearman -h gm1:4730,gm2",
                                         words: ["gearman", "-h", "gm1", ":", "4730,gm2"], prelude: prelude)
        XCTAssertEqual(list, ["4730,gm2.example"])

        // After a host:port value the next word is an option again, not a command.
        let after = try Self.bashComplete(line: "gearman -w -h gm1:4730 -f x wc",
                                          words: ["gearman", "-w", "-h", "gm1", ":", "4730", "-f", "x", "wc"],
                                          prelude: prelude)
        XCTAssertTrue(after.contains("wc"), "\(after)")
    }

    func testBashCompletesPidFile() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gearman-pid-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("worker.pid").path
        XCTAssertTrue(FileManager.default.createFile(atPath: pidFile, contents: nil))

        let prefix = directory.path + "/work"
        XCTAssertEqual(try Self.bashComplete(line: "gearman -i " + prefix, words: ["gearman", "-i", prefix]),
                       [pidFile])
        XCTAssertEqual(try Self.bashComplete(line: "gearman -bi" + prefix, words: ["gearman", "-bi" + prefix]),
                       ["-bi" + pidFile])
    }

    func testBashHandsCommandArgumentsToBashCompletion() throws {
        let helpers = "/usr/share/bash-completion/bash_completion"
        guard FileManager.default.fileExists(atPath: helpers) else {
            throw XCTSkip("bash-completion is not installed")
        }
        let offered = try Self.bashComplete(line: "gearman -w -f x -- timeout --fore",
                                            words: ["gearman", "-w", "-f", "x", "--", "timeout", "--fore"],
                                            prelude: "source \(helpers) 2>/dev/null")
        XCTAssertTrue(offered.contains("--foreground"), "\(offered)")
    }

    // MARK: fish

    /// `complete -C LINE` in a fish without user configuration; returns the
    /// candidates without their descriptions.
    static func fishComplete(_ line: String, prelude: String = "") throws -> [String] {
        let fish = try requireTool("fish")
        let script = "\(prelude)\nsource completions/gearman.fish; or exit 90\ncomplete -C \(ShellRunner.shellQuote(line))"
        let result = try ShellRunner.run(fish, ["--no-config", "-c", script], currentDirectory: root)
        XCTAssertEqual(result.status, 0, "fish failed: \(result.stderr)")
        XCTAssertEqual(result.stderr, "", "fish complained")
        return lines(result.stdout).map { String($0.split(separator: "\t", maxSplits: 1).first ?? "") }
    }

    func testFishFileParses() throws {
        let fish = try Self.requireTool("fish")
        let result = try ShellRunner.run(fish, ["--no-config", "-n", "completions/gearman.fish"],
                                         currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
    }

    func testFishOffersEveryFlagWithDescription() throws {
        let fish = try Self.requireTool("fish")
        let result = try ShellRunner.run(fish, ["--no-config", "-c",
                                                "source completions/gearman.fish; complete -C 'gearman -'"],
                                         currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let entries = Self.lines(result.stdout)
        for flag in Self.flags {
            let entry = entries.first { $0.hasPrefix(flag + "\t") }
            XCTAssertNotNil(entry, "fish does not offer \(flag): \(entries)")
        }
    }

    func testFishOffersServerOnlyInFirstPosition() throws {
        XCTAssertEqual(try Self.fishComplete("gearman "), ["admin", "bench", "server", "status", "top"])
        XCTAssertEqual(try Self.fishComplete("gearman se"), ["server"])
        XCTAssertFalse(try Self.fishComplete("gearman -b ").contains("server"))
    }

    func testFishOffersEveryServerOption() throws {
        let offered = try Self.fishComplete("gearman server --")
        for option in try Self.serverOptions() {
            XCTAssertTrue(offered.contains(option), "fish does not offer \(option): \(offered)")
        }
        XCTAssertTrue(try Self.fishComplete("gearman server --verbose ").contains("DEBUG"))
    }

    func testFishOffersEverySubcommandOption() throws {
        for subcommand in ["admin", "top", "status", "bench"] {
            let offered = try Self.fishComplete("gearman \(subcommand) --")
            for option in try Self.serverOptions(subcommand) {
                XCTAssertTrue(offered.contains(option), "fish does not offer \(option) for \(subcommand): \(offered)")
            }
        }
    }

    func testFishCompletesTheServerAndBenchExecutables() throws {
        let offered = try Self.fishComplete("gearman-server --")
        for option in try Self.serverOptions() {
            XCTAssertTrue(offered.contains(option), "fish does not offer \(option) for gearman-server: \(offered)")
        }
        XCTAssertEqual(try Self.fishComplete("gearman-bench "), ["drain", "e2e", "rtt", "submit"])
    }

    func testFishCompletesBenchScenariosAndValues() throws {
        XCTAssertEqual(try Self.fishComplete("gearman bench "), ["drain", "e2e", "rtt", "submit"])
        XCTAssertEqual(try Self.fishComplete("gearman bench rtt "), [], "one scenario only")
        XCTAssertEqual(try Self.fishComplete("gearman bench --unique "), ["distinct", "none"])
    }

    func testFishCompletesWorkerCommand() throws {
        XCTAssertTrue(try Self.fishComplete("gearman -f x -w -- wc").contains("wc"))
        XCTAssertTrue(try Self.fishComplete("gearman -w -f x wc").contains("wc"))
        XCTAssertTrue(try Self.fishComplete("gearman -bf x -w wc").contains("wc"))
        XCTAssertTrue(try Self.fishComplete("gearman -w --id w1 --job-timeout 5 -f x wc").contains("wc"))
        XCTAssertTrue(try Self.fishComplete("gearman -w --job").contains("--job-timeout"))
        XCTAssertEqual(try Self.fishComplete("gearman -f x wc"), [])
        XCTAssertEqual(try Self.fishComplete("gearman -f "), [])
        XCTAssertEqual(try Self.fishComplete("gearman -p "), [])
    }

    func testFishCompletesHostLists() throws {
        let fakeHosts = "function __fish_print_hostnames; echo gm1.example; echo gm2.example; end"
        XCTAssertEqual(Set(try Self.fishComplete("gearman -h gm", prelude: fakeHosts)),
                       ["gm1.example", "gm2.example"])
        XCTAssertEqual(Set(try Self.fishComplete("gearman -h gm1:4730,gm2", prelude: fakeHosts)),
                       ["gm1:4730,gm2.example"])
        XCTAssertEqual(Set(try Self.fishComplete("gearman -hgm1", prelude: fakeHosts)),
                       ["-hgm1.example"])
    }

    // MARK: zsh

    func testZshFileParsesAndDefinesFunction() throws {
        let zsh = try Self.requireTool("zsh")
        let syntax = try ShellRunner.run(zsh, ["-n", "completions/_gearman"], currentDirectory: Self.root)
        XCTAssertEqual(syntax.status, 0, syntax.stderr)
        XCTAssertEqual(syntax.stderr, "")

        let script = """
        autoload -U compinit; compinit -u -D
        fpath=(completions $fpath)
        autoload -U _gearman
        whence -w _gearman
        source completions/_gearman
        print -r -- "registered: $_comps[gearman]"
        """
        let loaded = try ShellRunner.run(zsh, ["-f", "-c", script], currentDirectory: Self.root)
        XCTAssertEqual(loaded.status, 0, loaded.stderr)
        XCTAssertEqual(loaded.stderr, "")
        XCTAssertTrue(loaded.stdout.contains("_gearman: function"), loaded.stdout)
        XCTAssertTrue(loaded.stdout.contains("registered: _gearman"), loaded.stdout)
    }

    func testZshArgumentsSpecNamesEveryFlag() throws {
        let text = try String(contentsOfFile: Self.root + "/completions/_gearman", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("#compdef gearman"))
        XCTAssertTrue(text.contains("_arguments"))
        // Each spec is a quoted word such as '*-f+[function name]:...' or '(-L)-I[...]'.
        let specs = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("'") && $0.contains("[") }
        for flag in Self.flags {
            let letter = flag.dropFirst()
            let found = specs.contains { spec in
                spec.range(of: "-\(letter)[") != nil || spec.range(of: "-\(letter)+[") != nil
                    || spec.range(of: "-\(letter)=[") != nil
            }
            XCTAssertTrue(found, "no _arguments spec for \(flag)")
        }
    }

    /// Where the zpty driver writes the words offered, one a line.
    static let zshSetup = #"""
    PS1='' PROMPT='' RPROMPT=''
    fpath=("$GM_COMPLETIONS" $fpath)
    autoload -U compinit
    compinit -u -D
    zstyle ':completion:*' insert-tab false
    # Record the candidates that match instead of offering them.
    compadd() {
      local -a __gm_opts __gm_hits
      __gm_opts=("${(@)argv[1,${argv[(i)--]}-1]}")
      if [[ -n ${(M)__gm_opts:#-[OAD]*} ]]; then
        builtin compadd "$@"
        return
      fi
      builtin compadd -O __gm_hits "$@"
      (( $#__gm_hits )) && print -rl -- $__gm_hits >> $GM_OUT
      return 0
    }
    _gm_done() { print -r -- '<<GM''DONE>>'; exit 0 }
    comppostfuncs=(_gm_done)
    bindkey '^I' complete-word
    print -r -- '<<GM''READY>>'
    """#

    static let zshDriver = #"""
    zmodload zsh/zpty || exit 90
    : > $GM_OUT
    zpty gmcomp zsh -f -i || exit 91
    zpty -w gmcomp "source ${(q)GM_SETUP}"
    zpty -r gmcomp out '*<<GMREADY>>*' || exit 92
    zpty -w -n gmcomp "$1"$'\t'
    zpty -r gmcomp out '*<<GMDONE>>*' || exit 93
    zpty -d gmcomp
    cat $GM_OUT
    """#

    /// Types `line` followed by TAB into an interactive `zsh -f` on a
    /// pseudo-terminal (zsh/zpty) and returns the candidates completion produced.
    static func zshComplete(_ line: String) throws -> [String] {
        let zsh = try requireTool("zsh")
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("gearman-zpty-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let setup = scratch.appendingPathComponent("setup.zsh")
        let driver = scratch.appendingPathComponent("driver.zsh")
        try zshSetup.write(to: setup, atomically: true, encoding: .utf8)
        try zshDriver.write(to: driver, atomically: true, encoding: .utf8)
        let environment = ShellRunner.environment([
            "GM_OUT": scratch.appendingPathComponent("out").path,
            "GM_SETUP": setup.path,
            "GM_COMPLETIONS": root + "/completions",
            "TERM": "dumb",
        ])
        let result = try ShellRunner.run(zsh, ["-f", driver.path, line], environment: environment,
                                         currentDirectory: root, timeout: 20)
        XCTAssertEqual(result.status, 0, "zpty driver failed: \(result.stderr)")
        return lines(result.stdout)
    }

    func testZshOffersEveryFlag() throws {
        let offered = try Self.zshComplete("gearman -")
        for flag in Self.flags {
            XCTAssertTrue(offered.contains(flag), "zsh does not offer \(flag): \(offered)")
        }
    }

    func testZshOffersServerOnlyInFirstPosition() throws {
        XCTAssertEqual(try Self.zshComplete("gearman ").sorted(), ["admin", "bench", "server", "status", "top"])
        XCTAssertFalse(try Self.zshComplete("gearman -b ").contains("server"))
    }

    func testZshOffersEveryServerOption() throws {
        let offered = try Self.zshComplete("gearman server --")
        for option in try Self.serverOptions() {
            XCTAssertTrue(offered.contains(option), "zsh does not offer \(option): \(offered)")
        }
    }

    func testZshOffersEverySubcommandOption() throws {
        for subcommand in ["admin", "top", "status", "bench"] {
            let offered = try Self.zshComplete("gearman \(subcommand) --")
            for option in try Self.serverOptions(subcommand) {
                XCTAssertTrue(offered.contains(option), "zsh does not offer \(option) for \(subcommand): \(offered)")
            }
        }
    }

    func testZshCompletesTheServerAndBenchExecutables() throws {
        let offered = try Self.zshComplete("gearman-server --")
        for option in try Self.serverOptions() {
            XCTAssertTrue(offered.contains(option), "zsh does not offer \(option) for gearman-server: \(offered)")
        }
        XCTAssertEqual(try Self.zshComplete("gearman-bench ").sorted(), ["drain", "e2e", "rtt", "submit"])
    }

    func testZshCompletesBenchScenariosAndValues() throws {
        XCTAssertEqual(try Self.zshComplete("gearman bench ").sorted(), ["drain", "e2e", "rtt", "submit"])
        XCTAssertEqual(try Self.zshComplete("gearman bench --unique=").sorted(), ["distinct", "none"])
    }

    func testZshCompletesWorkerCommand() throws {
        XCTAssertTrue(try Self.zshComplete("gearman -f x -w -- wc").contains("wc"))
        XCTAssertTrue(try Self.zshComplete("gearman -w -f x wc").contains("wc"))
        XCTAssertTrue(try Self.zshComplete("gearman -w --id=w1 -f x wc").contains("wc"))
        XCTAssertEqual(try Self.zshComplete("gearman -f x wc"), [])
        XCTAssertEqual(try Self.zshComplete("gearman -p "), [])
    }
}
