import Foundation
import XCTest

/// scripts/install, the systemd units and configuration in packaging/, and the Debian package
/// that scripts/package builds, down to installing it with apt on a base Debian system.
final class PackagingTests: XCTestCase {
    static var root: String { Binaries.repoRoot.path }

    // MARK: scripts/install

    func testInstallPutsEveryFileWhereItsToolLooksAndUninstallRemovesExactlyThat() throws {
        let bin = try Self.releaseBuild.value
        let destdir = try TemporaryDirectory()
        let prefix = destdir.path + "/usr/local"
        // A file of someone else's in a directory the install shares: it must survive.
        let foreign = prefix + "/share/man/man1/other.1"
        try FileManager.default.createDirectory(atPath: prefix + "/share/man/man1", withIntermediateDirectories: true)
        try Data("other\n".utf8).write(to: URL(fileURLWithPath: foreign))

        let installed = try Self.script("install", ["--no-build"], destdir: destdir.path)
        XCTAssertEqual(installed.status, 0, installed.stderr)
        XCTAssertTrue(installed.stdoutText.contains("installed \(prefix)/bin/gearman\n"), installed.stdoutText)

        let expected = Self.expectedInstalledFiles(zshDirectory: "share/zsh/site-functions").union(["share/man/man1/other.1"])
        let found = try Self.tree(prefix)
        XCTAssertEqual(Set(found.files.keys), expected)
        for link in found.links {
            XCTAssertTrue(link.hasPrefix("share/bash-completion/") || link.hasPrefix("share/fish/"), "unexpected symlink \(link)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/" + link), "dangling symlink \(link)")
        }
        for executable in ["gearman", "gearman-server", "gearman-bench"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/\(executable)"))
            XCTAssertEqual(FileManager.default.contents(atPath: "\(prefix)/bin/\(executable)"),
                           FileManager.default.contents(atPath: "\(bin)/\(executable)"), "\(executable) is not the build's")
        }

        // `gearman server` and `gearman bench` find their executables next to the installed gearman.
        let server = try Command.run(prefix + "/bin/gearman", ["server", "--version"], environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(server.status, 0, server.stderr)
        XCTAssertTrue(server.stdoutText.hasPrefix("gearman server "), server.stdoutText)
        let bench = try Command.run(prefix + "/bin/gearman", ["bench", "--help"], environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(bench.status, 0, bench.stderr)

        try assertShellsFindTheCompletions(prefix: prefix)
        try assertManFindsThePage(manpath: prefix + "/share/man")

        // A second install over the first changes nothing.
        let manifest = try String(contentsOfFile: prefix + "/share/gearman/install-manifest", encoding: .utf8)
        let again = try Self.script("install", ["--no-build"], destdir: destdir.path)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: prefix + "/share/gearman/install-manifest", encoding: .utf8), manifest)
        XCTAssertEqual(Set(try Self.tree(prefix).files.keys), expected)

        let removed = try Self.script("install", ["--uninstall"], destdir: destdir.path)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let left = try Self.tree(destdir.path)
        XCTAssertEqual(Set(left.files.keys), ["usr/local/share/man/man1/other.1"], "only the foreign file is left")
        XCTAssertEqual(left.links, [])
        XCTAssertEqual(Set(left.directories), ["usr", "usr/local", "usr/local/share", "usr/local/share/man", "usr/local/share/man/man1"],
                       "the directories the install created are gone, the foreign file's are kept")

        // Uninstalling again is not an error; without the foreign file nothing at all is left.
        try FileManager.default.removeItem(atPath: foreign)
        let twice = try Self.script("install", ["--uninstall"], destdir: destdir.path)
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertTrue(twice.stdoutText.contains("nothing to uninstall"), twice.stdoutText)
    }

    func testInstallIntoAFreshPrefixLeavesNothingBehind() throws {
        _ = try Self.releaseBuild.value
        let destdir = try TemporaryDirectory()
        XCTAssertEqual(try Self.script("install", ["--no-build", "/opt/gearman"], destdir: destdir.path).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: destdir.path + "/opt/gearman/share/zsh/site-functions/_gearman"))
        XCTAssertEqual(try Self.script("install", ["--uninstall", "/opt/gearman"], destdir: destdir.path).status, 0)
        let left = try Self.tree(destdir.path)
        XCTAssertEqual(left.files.count + left.links.count, 0)
        XCTAssertEqual(left.directories, ["opt"], "the prefix it created is removed too")
    }

    func testInstallRefusesWhatItCannotDoWithAMessage() throws {
        let relative = try Self.script("install", ["--no-build", "relative/prefix"], destdir: nil)
        XCTAssertEqual(relative.status, 1)
        XCTAssertTrue(relative.stderr.contains("PREFIX must be an absolute path"), relative.stderr)
        let unknown = try Self.script("install", ["--frobnicate"], destdir: nil)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown option --frobnicate"), unknown.stderr)
        let help = try Self.script("install", ["--help"], destdir: nil)
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("--uninstall"), help.stdoutText)
    }

    /// Each shell completes each command it has a completion file for (gearman, and
    /// gearman-server and gearman-bench when the files name them), from the installed files.
    private func assertShellsFindTheCompletions(prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let share = prefix + "/share"
        let commands = try FileManager.default.contentsOfDirectory(atPath: share + "/bash-completion/completions").sorted()
        XCTAssertTrue(commands.contains("gearman"), "\(commands)", file: file, line: line)
        for command in commands {
            // bash-completion loads a command's completion on demand, by the command's name,
            // from $XDG_DATA_DIRS (by default /usr/local/share:/usr/share).
            if FileManager.default.fileExists(atPath: "/usr/share/bash-completion/bash_completion") {
                let bash = try Command.run("/bin/bash", ["--norc", "--noprofile", "-c",
                    "source /usr/share/bash-completion/bash_completion; XDG_DATA_DIRS=\(ShellRunner.shellQuote(share)); __load_completion \(command) && complete -p \(command)"])
                XCTAssertEqual(bash.stdoutText, "complete -F _gearman \(command)\n", bash.stderr, file: file, line: line)
            }
            let sourced = try Command.run("/bin/bash", ["--norc", "--noprofile", "-c",
                "source \(ShellRunner.shellQuote(share + "/bash-completion/completions/" + command)) && complete -p \(command)"])
            XCTAssertEqual(sourced.stdoutText, "complete -F _gearman \(command)\n", sourced.stderr, file: file, line: line)

            if let zsh = ShellRunner.which("zsh") {
                let result = try Command.run(zsh, ["-f", "-c",
                    "fpath=(\(ShellRunner.shellQuote(share + "/zsh/site-functions")) $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[\(command)]"])
                XCTAssertEqual(result.stdoutText, "_gearman\n", "zsh, \(command): \(result.stderr)", file: file, line: line)
            }
            if let fish = ShellRunner.which("fish") {
                // fish reads PREFIX/share/fish/vendor_completions.d when XDG_DATA_DIRS names
                // PREFIX/share, for commands on PATH.
                let home = try TemporaryDirectory()
                let result = try Command.run(fish, ["-c", "complete -C'\(command) -'"], environment: [
                    "PATH": "\(prefix)/bin:/usr/bin:/bin", "HOME": home.path, "XDG_DATA_DIRS": share,
                ])
                XCTAssertTrue(result.stdoutText.hasPrefix("-"), "fish, \(command): \(result.stdoutText) \(result.stderr)", file: file, line: line)
            }
        }
    }

    private func assertManFindsThePage(manpath: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let man = ShellRunner.which("man") else { return }
        let environment = ["PATH": "/usr/bin:/bin", "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80", "LANG": "C"]
        let byName = try Command.run(man, ["-M", manpath, "gearman"], environment: environment)
        XCTAssertEqual(byName.status, 0, byName.stderr, file: file, line: line)
        XCTAssertTrue(byName.stdoutText.contains("NAME"), byName.stdoutText, file: file, line: line)
        let local = try Command.run(man, ["-l", manpath + "/man1/gearman.1.gz"], environment: environment)
        XCTAssertEqual(local.status, 0, local.stderr, file: file, line: line)
        XCTAssertEqual(local.stdoutText, byName.stdoutText, file: file, line: line)
    }

    // MARK: packaging/: units and configuration

    func testSystemdAnalyzeVerifiesBothUnits() throws {
        guard let analyze = ShellRunner.which("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed (apt-get install systemd)")
        }
        // verify insists that ExecStart's programs exist: the units are checked with
        // /usr/bin/ pointing at stand-ins in a scratch directory, and nothing else changed.
        let scratch = try TemporaryDirectory()
        let bin = scratch.path + "/usr/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for executable in ["gearman", "gearman-server"] {
            _ = FileManager.default.createFile(atPath: "\(bin)/\(executable)", contents: Data("#!/bin/sh\n".utf8),
                                               attributes: [.posixPermissions: 0o755])
        }
        for unit in ["gearman-server.service", "gearman-worker@.service"] {
            let text = try String(contentsOfFile: "\(Self.root)/packaging/\(unit)", encoding: .utf8)
            XCTAssertTrue(text.contains("=/usr/bin/gearman"), "\(unit) runs /usr/bin/gearman*")
            try text.replacingOccurrences(of: "=/usr/bin/", with: "=\(bin)/")
                .write(toFile: "\(scratch.path)/\(unit)", atomically: true, encoding: .utf8)
        }
        for unit in ["gearman-server.service", "gearman-worker@example.service"] {
            let result = try Command.run(analyze, ["verify", "\(scratch.path)/\(unit)"], timeout: 60)
            XCTAssertEqual(result.status, 0, "\(unit): \(result.stderr)")
            // Unknown keys and bad values are only warnings: there must be none.
            XCTAssertEqual(result.stderr, "", unit)
        }
        // The server's hardening, as systemd rates it (0 is locked down, 10 wide open).
        let security = try Command.run(analyze, ["security", "--offline=true", "\(scratch.path)/gearman-server.service"], timeout: 60)
        let rating = security.stdoutText.components(separatedBy: "Overall exposure level for gearman-server.service: ").last?
            .split(separator: " ").first.flatMap { Double($0) }
        if let rating {
            XCTAssertLessThanOrEqual(rating, 2.0, security.stdoutText)
        }
    }

    func testTheServersDefaultConfigurationIsValid() throws {
        try Binaries.require(Binaries.ours)
        let config = "\(Self.root)/packaging/server.conf"
        let result = try Command.run(Binaries.ours, ["server", "--config-file", config, "--check-args"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let words = try String(contentsOfFile: config, encoding: .utf8).split(whereSeparator: \.isWhitespace)
        XCTAssertEqual(words.filter { $0.hasPrefix("#") }, [], "--config-file takes no comments")
        for expected in ["--listen", "127.0.0.1", "libsqlite3", "/var/lib/gearman/queue.sqlite", "stderr"] {
            XCTAssertTrue(words.contains(Substring(expected)), "server.conf lacks \(expected)")
        }
    }

    func testTheWorkerUnitRunsTheExampleAsAShellCommandWorker() throws {
        // The worker unit's ExecStart with the example's values, as systemd would expand it
        // (${VAR} is one word, $VAR is split): gearman must accept that command line.
        let unit = try String(contentsOfFile: "\(Self.root)/packaging/gearman-worker@.service", encoding: .utf8)
        let example = try String(contentsOfFile: "\(Self.root)/packaging/worker-example.conf", encoding: .utf8)
        var values: [String: String] = [:]
        for line in example.split(separator: "\n") where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = String(parts.count > 1 ? parts[1] : "").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        XCTAssertEqual(values["GEARMAN_COMMAND"], "wc -l")
        for name in ["GEARMAN_SERVER", "GEARMAN_FUNCTION", "GEARMAN_CONCURRENCY", "GEARMAN_SHUTDOWN_TIMEOUT", "GEARMAN_WORKER_OPTIONS"] {
            XCTAssertNotNil(values[name], "worker-example.conf sets \(name)")
        }
        let execStart = try XCTUnwrap(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        var arguments: [String] = []
        for word in execStart.dropFirst("ExecStart=".count).split(separator: " ") {
            if word.hasPrefix("${") { arguments.append(values[String(word.dropFirst(2).dropLast())] ?? "") }
            else if word.hasPrefix("$") { arguments += (values[String(word.dropFirst())] ?? "").split(separator: " ").map(String.init) }
            else { arguments.append(String(word).replacingOccurrences(of: "%H", with: "host").replacingOccurrences(of: "%i", with: "example")) }
        }
        XCTAssertEqual(arguments.first, "/usr/bin/gearman")
        XCTAssertEqual(Array(arguments.suffix(3)), ["/bin/sh", "-c", "wc -l"])

        // Run it against a server: the example's function counts lines.
        try Binaries.require(Binaries.ours)
        let server = try JobServerProcess(.bundled)
        defer { server.stop() }
        var environment = Command.cleanEnvironment
        environment["GEARMAN_SERVER"] = "127.0.0.1:\(server.port)"
        let worker = try BackgroundProcess(Binaries.ours, Array(arguments.dropFirst()), environment: environment)
        defer { worker.stop() }
        try server.waitForWorkers("wc")
        let result = try Command.run(Binaries.ours, ["-f", "wc"], stdin: Array("a\nb\nc\n".utf8), environment: environment)
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespaces), "3\n", result.stderr)
        // SIGTERM, as systemctl stop sends it, stops the worker gracefully with status 0.
        kill(worker.pid, SIGTERM)
        XCTAssertEqual(worker.waitForExit(timeout: 10), 0, worker.stderr)
    }

    // MARK: scripts/package

    func testThePackageDeclaresItsDependenciesAndItsPlaceBesideDebiansGearman() throws {
        let bin = try Self.releaseBuild.value
        let deb = try Self.package.value
        let fields = try Self.debFields(deb)
        XCTAssertEqual(fields["Package"], "gearman-swift")
        let version = try Command.run(bin + "/gearman", ["--version"]).stdoutText
        XCTAssertTrue(version.contains(" \(fields["Version"] ?? "?")"), "Version \(fields["Version"] ?? "") is not gearman's: \(version)")
        let architecture = try Command.run("/usr/bin/dpkg", ["--print-architecture"]).stdoutText
        XCTAssertEqual(fields["Architecture"].map { $0 + "\n" }, architecture)

        // Depends: what dpkg-shlibdeps found, each a package with an optional version bound.
        let depends = (fields["Depends"] ?? "").components(separatedBy: ", ")
        XCTAssertGreaterThan(depends.count, 1, "Depends: \(depends)")
        for dependency in depends {
            XCTAssertNotNil(dependency.range(of: #"^[a-z0-9][a-z0-9.+-]+( \((>=|=) [0-9][^)]*\))?$"#, options: .regularExpression),
                            "odd dependency '\(dependency)'")
        }
        XCTAssertTrue(depends.contains { $0.hasPrefix("libc6 (>= ") }, "Depends: \(depends)")
        XCTAssertTrue(depends.contains("adduser"), "postinst runs adduser")
        // Every shared library the binaries load comes from a dependency.
        let needed = try Command.run("/bin/sh", ["-c", "readelf -d \(bin)/gearman \(bin)/gearman-server \(bin)/gearman-bench | grep NEEDED"]).stdoutText
        if needed.contains("libgearman.so.8") {
            XCTAssertTrue(depends.contains { $0.hasPrefix("libgearman8") }, "Depends: \(depends)")
        }
        if needed.contains("libstdc++.so.6") {
            XCTAssertTrue(depends.contains { $0.hasPrefix("libstdc++6") }, "Depends: \(depends)")
        }

        XCTAssertEqual(fields["Conflicts"], "gearman-tools, gearman-server")
        XCTAssertEqual(fields["Replaces"], "gearman-tools")
        XCTAssertEqual(fields["Provides"], "gearman-tools")

        // The files it shares with Debian's packages are the ones Replaces covers: gearman-tools'
        // gearman and its page, nothing of gearman-job-server's.
        let ours = Set(try Self.debContents(deb).filter { !$0.hasSuffix("/") })
        for (package, shared) in [("gearman-tools", Set(["/usr/bin/gearman", "/usr/share/man/man1/gearman.1.gz"])),
                                  ("gearman-job-server", Set<String>())] {
            let list = try Command.run("/usr/bin/dpkg", ["-L", package])
            guard list.status == 0 else { continue }
            let theirs = Set(list.stdoutText.split(separator: "\n").map(String.init))
            XCTAssertEqual(ours.intersection(theirs), shared, "files shared with \(package)")
        }
    }

    func testThePackageHoldsTheBinariesPagesCompletionsUnitsAndConfiguration() throws {
        let deb = try Self.package.value
        let listing = try Command.run("/usr/bin/dpkg-deb", ["--contents", deb])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        for line in listing.stdoutText.split(separator: "\n") {
            XCTAssertTrue(line.contains(" root/root "), "not owned by root: \(line)")
        }
        let contents = Set(try Self.debContents(deb))
        let expected = [
            "/usr/bin/gearman", "/usr/bin/gearman-server", "/usr/bin/gearman-bench",
            "/usr/share/man/man1/gearman.1.gz",
            "/usr/share/bash-completion/completions/gearman",
            "/usr/share/zsh/vendor-completions/_gearman",
            "/usr/share/fish/vendor_completions.d/gearman.fish",
            "/lib/systemd/system/gearman-server.service", "/lib/systemd/system/gearman-worker@.service",
            "/etc/gearman/server.conf", "/etc/gearman/worker-example.conf", "/etc/logrotate.d/gearman-server",
            "/usr/share/doc/gearman-swift/copyright", "/usr/share/doc/gearman-swift/changelog.gz",
        ]
        for path in expected {
            XCTAssertTrue(contents.contains(path), "the package lacks \(path)")
        }
        XCTAssertEqual(contents.filter { $0.hasPrefix("/usr/local") || $0.hasPrefix("/usr/share/gearman") }, [])

        let conffiles = try Command.run("/usr/bin/dpkg-deb", ["--info", deb, "conffiles"]).stdoutText
        XCTAssertEqual(Set(conffiles.split(separator: "\n").map(String.init)),
                       ["/etc/gearman/server.conf", "/etc/gearman/worker-example.conf", "/etc/logrotate.d/gearman-server"])
        for script in ["postinst", "prerm", "postrm"] {
            let text = try Command.run("/usr/bin/dpkg-deb", ["--info", deb, script])
            XCTAssertEqual(text.status, 0, "no \(script)")
            XCTAssertTrue(text.stdoutText.hasPrefix("#!/bin/sh\n"), script)
        }

        // The files are those of the tree, the binaries stripped and without an $ORIGIN rpath.
        let unpacked = try TemporaryDirectory()
        XCTAssertEqual(try Command.run("/usr/bin/dpkg-deb", ["-x", deb, unpacked.path]).status, 0)
        for (packaged, source) in [("lib/systemd/system/gearman-server.service", "packaging/gearman-server.service"),
                                   ("etc/gearman/server.conf", "packaging/server.conf"),
                                   ("usr/share/bash-completion/completions/gearman", "completions/gearman.bash")] {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(unpacked.path)/\(packaged)"),
                           FileManager.default.contents(atPath: "\(Self.root)/\(source)"), packaged)
        }
        let dynamic = try Command.run("/usr/bin/readelf", ["-d", "-S", "\(unpacked.path)/usr/bin/gearman-server"]).stdoutText
        XCTAssertFalse(dynamic.contains("ORIGIN"), "an $ORIGIN rpath in /usr/bin")
        XCTAssertFalse(dynamic.contains(".symtab"), "not stripped")
        let changelog = try Command.run("/bin/sh", ["-c", "gzip -dc \(unpacked.path)/usr/share/doc/gearman-swift/changelog.gz"]).stdoutText
        XCTAssertTrue(changelog.hasPrefix("gearman-swift ("), changelog)
    }

    // MARK: the package on a base system

    /// Installs the package with apt in a minimal Debian chroot (debootstrap --variant=minbase,
    /// cached as a tarball), runs the main job with the installed binaries and the shipped
    /// configuration, then purges it and checks that none of its files is left.
    func testThePackageInstallsRunsTheMainJobAndPurgesCleanlyOnABaseSystem() throws {
        guard ProcessInfo.processInfo.environment["GEARMAN_TEST_PACKAGE"] == "1" else {
            throw XCTSkip("set GEARMAN_TEST_PACKAGE=1 to install the package in a Debian chroot (scripts/test does): it needs root, debootstrap and the network")
        }
        guard getuid() == 0 else { throw XCTSkip("installing into a chroot needs root") }
        let started = Date()
        let deb = try Self.package.value
        let packaged = Date()
        let chroot = try BaseSystemChroot.make()
        defer { chroot.destroy() }
        let ready = Date()

        let debName = URL(fileURLWithPath: deb).lastPathComponent
        try FileManager.default.copyItem(atPath: deb, toPath: chroot.path + "/root/" + debName)
        let install = try chroot.aptInstall(["/root/" + debName])
        XCTAssertEqual(install.status, 0, install.stdoutText + install.stderr)
        guard install.status == 0 else { return }
        let files = try chroot.run("dpkg -L gearman-swift").stdoutText.split(separator: "\n").map(String.init)
        XCTAssertTrue(files.contains("/usr/bin/gearman"), "dpkg -L: \(files)")
        let user = try chroot.run("getent passwd gearman && stat -c '%U %a' /var/lib/gearman")
        XCTAssertTrue(user.stdoutText.contains(":/var/lib/gearman:"), user.stdoutText + user.stderr)
        XCTAssertTrue(user.stdoutText.hasSuffix("gearman 750\n"), user.stdoutText)

        // The main job: the server as the gearman user with the shipped configuration (the
        // durable queue in /var/lib/gearman) on a free port, a `wc -l` worker, a client.
        let port = try Network.freePort()
        let address = "-h 127.0.0.1 -p \(port)"
        let server = try chroot.background(["setpriv", "--reuid=gearman", "--regid=gearman", "--init-groups",
                                            "gearman", "server", "--config-file", "/etc/gearman/server.conf", "--port", "\(port)"])
        defer { server.stop() }
        XCTAssertTrue(eventually(timeout: 20) { Network.accepts(port: port) }, "server: \(server.stderr)")
        // As systemd runs it: an unprivileged user must be able to serve connections.
        let answers = try chroot.run("gearman admin \(address) --status", timeout: 20)
        if answers.status == 0 {
            try runTheMainJob(in: chroot, port: port, server: server)
        } else {
            XCTFail("the server, run as the gearman user, does not answer (status \(answers.status), 124: no answer in 20 s): "
                    + "\(answers.stderr) \(server.stderr)")
        }
        XCTAssertTrue(chroot.stop(server), "SIGTERM: \(server.stderr)")
        let job = Date()

        let purge = try chroot.run("apt-get remove --purge -y -q gearman-swift", timeout: 300)
        XCTAssertEqual(purge.status, 0, purge.stdoutText + purge.stderr)
        XCTAssertNotEqual(try chroot.run("dpkg-query -W -f='${db:Status-Abbrev}' gearman-swift | grep -q '^ii'").status, 0,
                          "still installed")
        // A path of the package may remain only as a directory that other packages' files still use.
        for path in files {
            let left = try chroot.run("test -e \(ShellRunner.shellQuote(path)) || test -L \(ShellRunner.shellQuote(path))").status == 0
            guard left else { continue }
            let nonEmptyDirectory = try chroot.run("test -d \(ShellRunner.shellQuote(path)) && [ -n \"$(ls -A \(ShellRunner.shellQuote(path)))\" ]").status == 0
            XCTAssertTrue(nonEmptyDirectory, "left after purge: \(path)")
        }
        for path in ["/etc/gearman", "/var/lib/gearman", "/var/log/gearman", "/usr/share/doc/gearman-swift"] {
            XCTAssertNotEqual(try chroot.run("test -e \(path)").status, 0, "left after purge: \(path)")
        }

        // Over Debian's gearman-tools: apt replaces it (Conflicts, Replaces, Provides), and
        // /usr/bin/gearman is ours.
        let tools = try chroot.aptInstall(["gearman-tools"])
        XCTAssertEqual(tools.status, 0, tools.stdoutText + tools.stderr)
        let replace = try chroot.aptInstall(["/root/" + debName])
        XCTAssertEqual(replace.status, 0, replace.stdoutText + replace.stderr)
        XCTAssertTrue(replace.stdoutText.contains("gearman-tools"), "apt did not name gearman-tools: \(replace.stdoutText)")
        let state = { (package: String) in
            try chroot.run("dpkg-query -W -f='${db:Status-Abbrev}' \(package)").stdoutText.trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(try state("gearman-swift"), "ii")
        XCTAssertNotEqual(try state("gearman-tools"), "ii", "gearman-tools is still installed")
        XCTAssertEqual(try chroot.run("gearman --version").stdoutText,
                       try Command.run(try Self.releaseBuild.value + "/gearman", ["--version"]).stdoutText)
        XCTAssertEqual(try chroot.run("apt-get remove --purge -y -q gearman-swift", timeout: 300).status, 0)
        let end = Date()
        print(String(format: "packaging: package %.1f s, chroot %.1f s, install and job %.1f s, purge and gearman-tools %.1f s, total %.1f s",
                     packaged.timeIntervalSince(started), ready.timeIntervalSince(packaged), job.timeIntervalSince(ready),
                     end.timeIntervalSince(job), end.timeIntervalSince(started)))
    }

    /// A `wc -l` worker and a client inside, against the server on `port`; a background job
    /// lands in the durable queue, a file of the gearman user's.
    private func runTheMainJob(in chroot: BaseSystemChroot, port: UInt16, server: BackgroundProcess) throws {
        let address = "-h 127.0.0.1 -p \(port)"
        let worker = try chroot.background(["gearman", "-w", "-h", "127.0.0.1", "-p", "\(port)", "-f", "wc", "--", "wc", "-l"])
        defer { worker.stop() }
        XCTAssertTrue(try eventually(timeout: 20) {
            try chroot.run("gearman admin \(address) --status").stdoutText.contains("wc\t0\t0\t1\n")
        }, "worker: \(worker.stderr)")
        // The README's main job, with the server named as users do (`localhost`, resolved by
        // the installed gearman on this minimal system).
        let counted = try chroot.run("GEARMAN_SERVER=localhost:\(port) gearman -f wc < /etc/passwd")
        let lines = try chroot.run("wc -l < /etc/passwd").stdoutText
        XCTAssertEqual(counted.status, 0, counted.stderr)
        XCTAssertEqual(counted.stdoutText, lines, counted.stderr)
        XCTAssertGreaterThan(Int(lines.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0)
        let queued = try chroot.run("gearman \(address) -b -f later x && stat -c %U /var/lib/gearman/queue.sqlite")
        XCTAssertEqual(queued.stdoutText, "gearman\n", "the durable queue: \(queued.stderr) \(server.stderr)")
        // SIGTERM stops the worker gracefully.
        XCTAssertTrue(chroot.stop(worker), "SIGTERM: \(worker.stderr)")
    }

    // MARK: helpers

    /// The release build (scripts/build-release, as installs use), once per test run. `swift test`
    /// holds SwiftPM's lock on .build while the tests run, so a plain build here would wait for
    /// ever: --ignore-lock, as nothing else builds in .build meanwhile.
    static let releaseBuild = OnceValue<String> {
        guard ShellRunner.which("swift") != nil else { throw XCTSkip("swift is not on PATH") }
        let result = try Command.run("/bin/bash", ["scripts/build-release", "--ignore-lock"], currentDirectory: root, timeout: 3600)
        guard result.status == 0 else {
            throw ScriptFailed(description: "scripts/build-release: \(result.stdoutText.suffix(2000)) \(result.stderr.suffix(2000))")
        }
        return root + "/.build/release"
    }

    /// dist/gearman-swift_VERSION_ARCH.deb, built once per test run.
    static let package = OnceValue<String> {
        _ = try releaseBuild.value
        for tool in ["dpkg-deb", "dpkg-shlibdeps"] where ShellRunner.which(tool) == nil {
            throw XCTSkip("\(tool) is not installed (apt-get install dpkg-dev)")
        }
        let result = try script("package", ["--no-build"], destdir: nil, timeout: 600)
        guard result.status == 0, let path = result.stdoutText.split(separator: "\n").last else {
            throw ScriptFailed(description: "scripts/package: \(result.stdoutText) \(result.stderr)")
        }
        return root + "/" + path
    }

    /// Runs scripts/NAME with bash; DESTDIR is set when `destdir` is given, and unset otherwise.
    static func script(_ name: String, _ arguments: [String], destdir: String?, timeout: TimeInterval = 300) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = destdir
        return try Command.run("/bin/bash", ["\(root)/scripts/\(name)"] + arguments, environment: environment,
                               currentDirectory: root, timeout: timeout)
    }

    /// What scripts/install puts under a prefix, from the man pages and completions in the tree.
    static func expectedInstalledFiles(zshDirectory: String) -> Set<String> {
        var files: Set<String> = ["bin/gearman", "bin/gearman-server", "bin/gearman-bench", "share/gearman/install-manifest"]
        for page in (try? FileManager.default.contentsOfDirectory(atPath: root + "/man")) ?? [] {
            guard let section = page.split(separator: ".").last, section.count == 1, ("1"..."9").contains(section) else { continue }
            files.insert("share/man/man\(section)/\(page).gz")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/completions")) ?? [] {
            if name.hasSuffix(".bash") { files.insert("share/bash-completion/completions/" + name.dropLast(5)) }
            else if name.hasPrefix("_") { files.insert("\(zshDirectory)/\(name)") }
            else if name.hasSuffix(".fish") { files.insert("share/fish/vendor_completions.d/\(name)") }
        }
        return files
    }

    /// The regular files (with their sizes), symlinks and directories under `directory`, as relative paths.
    static func tree(_ directory: String) throws -> (files: [String: Int], links: [String], directories: [String]) {
        var files: [String: Int] = [:]
        var links: [String] = []
        var directories: [String] = []
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return ([:], [], []) }
        for case let path as String in enumerator {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + path)
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory: directories.append(path)
            case .typeSymbolicLink: links.append(path)
            default: files[path] = (attributes[.size] as? Int) ?? 0
            }
        }
        return (files, links.sorted(), directories.sorted())
    }

    static func debFields(_ deb: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for name in ["Package", "Version", "Architecture", "Depends", "Conflicts", "Replaces", "Provides", "Maintainer"] {
            let result = try Command.run("/usr/bin/dpkg-deb", ["--field", deb, name])
            let value = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { fields[name] = value }
        }
        return fields
    }

    /// The package's paths as dpkg -L names them: /usr/bin/gearman, /etc/gearman/ (directories end in /).
    static func debContents(_ deb: String) throws -> [String] {
        let listing = try Command.run("/usr/bin/dpkg-deb", ["--contents", deb]).stdoutText
        return listing.split(separator: "\n").compactMap { line in
            guard let dot = line.range(of: " ./") else { return nil }
            let path = String(line[dot.upperBound...]).components(separatedBy: " -> ").first ?? ""
            return path.isEmpty ? nil : "/" + path
        }
    }
}

struct ScriptFailed: Error, CustomStringConvertible {
    let description: String
}

/// A value made once, on first use, by any thread; its error (an XCTSkip too) is kept as well.
final class OnceValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private let make: @Sendable () throws -> Value

    init(_ make: @escaping @Sendable () throws -> Value) { self.make = make }

    var value: Value {
        get throws {
            lock.lock()
            defer { lock.unlock() }
            if result == nil { result = Result { try make() } }
            return try result!.get()
        }
    }
}

/// A directory under the temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-packaging-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A minimal Debian system (debootstrap --variant=minbase) in a scratch directory, with /proc
/// mounted. The first use makes it from the Debian mirror this machine's apt uses and keeps it
/// as a tarball in /var/cache, so later runs only unpack it. `destroy` kills every process
/// still running inside (by PID), unmounts /proc and removes the directory.
final class BaseSystemChroot {
    let path: String
    private var procMounted = false
    private var started: [Int32] = []

    static var suite: String {
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let codename = release.split(separator: "\n").first { $0.hasPrefix("VERSION_CODENAME=") }?.split(separator: "=").last
        return codename.map(String.init) ?? "bookworm"
    }
    static var cache: String { "/var/cache/gearman-test-chroot-\(suite)-minbase.tar" }

    /// The Debian archive in this machine's apt sources (deb822 or one-line), for its release.
    static var mirror: String {
        if let mirror = ProcessInfo.processInfo.environment["GEARMAN_TEST_DEBIAN_MIRROR"] { return mirror }
        let directory = "/etc/apt/sources.list.d"
        let files = ["/etc/apt/sources.list"] + ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".list") || $0.hasSuffix(".sources") }.sorted().map { "\(directory)/\($0)" }
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            if file.hasSuffix(".sources") {
                for stanza in text.components(separatedBy: "\n\n") {
                    let fields = Dictionary(stanza.split(separator: "\n").compactMap { line -> (String, String)? in
                        guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("#") else { return nil }
                        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                    }, uniquingKeysWith: { first, _ in first })
                    if fields["Suites"]?.split(separator: " ").contains(Substring(suite)) == true,
                       fields["Types"]?.split(separator: " ").contains("deb") == true,
                       let uri = fields["URIs"]?.split(separator: " ").first {
                        return String(uri)
                    }
                }
            } else {
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").filter { !$0.hasPrefix("[") && !$0.hasSuffix("]") }
                    if words.count >= 3, words[0] == "deb", words[2] == Substring(suite) { return String(words[1]) }
                }
            }
        }
        return "http://deb.debian.org/debian"
    }

    static func make() throws -> BaseSystemChroot {
        for tool in ["/usr/sbin/chroot", "/usr/bin/tar", "/bin/mount"] { try Binaries.require(tool) }
        if !FileManager.default.fileExists(atPath: cache) {
            guard let debootstrap = ShellRunner.which("debootstrap", environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]) else {
                throw XCTSkip("debootstrap is not installed (apt-get install debootstrap)")
            }
            let scratch = "/var/tmp/gearman-debootstrap-\(UUID().uuidString)"
            defer { _ = try? Command.run("/bin/rm", ["-rf", "--one-file-system", scratch]) }
            let made = try Command.run(debootstrap, ["--variant=minbase", suite, scratch, mirror], timeout: 1200)
            guard made.status == 0 else {
                throw ScriptFailed(description: "debootstrap \(suite) from \(mirror): \(made.stdoutText.suffix(3000)) \(made.stderr.suffix(3000))")
            }
            let packed = try Command.run("/usr/bin/tar", ["-C", scratch, "-cf", cache + ".new", "."], timeout: 300)
            guard packed.status == 0 else { throw ScriptFailed(description: "tar: \(packed.stderr)") }
            try FileManager.default.moveItem(atPath: cache + ".new", toPath: cache)
        }
        let chroot = BaseSystemChroot(path: "/var/tmp/gearman-chroot-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: chroot.path, withIntermediateDirectories: true)
            let unpacked = try Command.run("/usr/bin/tar", ["-C", chroot.path, "-xf", cache], timeout: 300)
            guard unpacked.status == 0 else { throw ScriptFailed(description: "tar -x \(cache): \(unpacked.stderr)") }
            // apt inside needs the host's name servers; and a machine has an /etc/hosts
            // (the installer writes it, debootstrap does not), for `localhost`.
            for file in ["/etc/resolv.conf", "/etc/hosts"] {
                let data = try Data(contentsOf: URL(fileURLWithPath: file).resolvingSymlinksInPath())
                try? FileManager.default.removeItem(atPath: chroot.path + file)
                try data.write(to: URL(fileURLWithPath: chroot.path + file))
            }
            let mounted = try Command.run("/bin/mount", ["-t", "proc", "proc", chroot.path + "/proc"])
            guard mounted.status == 0 else { throw ScriptFailed(description: "mount proc: \(mounted.stderr)") }
            chroot.procMounted = true
        } catch {
            chroot.destroy()
            throw error
        }
        return chroot
    }

    private init(path: String) { self.path = path }

    /// Runs `script` with /bin/sh inside, as root, in a plain environment. timeout(1) inside
    /// kills the script's whole process group when time is up (status 124), so that nothing it
    /// started is left holding this test's descriptors.
    func run(_ script: String, timeout: TimeInterval = 120) throws -> CommandResult {
        try Command.run("/usr/sbin/chroot", [path, "timeout", "--kill-after=5", "\(Int(timeout))", "/bin/sh", "-c", script],
                        environment: environment, currentDirectory: "/", timeout: timeout + 30)
    }

    private let environment = [
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive",
    ]

    /// apt-get install; when the cached package lists are too old for the mirror, updates them and tries again.
    func aptInstall(_ packages: [String]) throws -> CommandResult {
        let command = "apt-get install -y -q --no-install-recommends " + packages.map(ShellRunner.shellQuote).joined(separator: " ")
        let first = try run(command, timeout: 600)
        if first.status == 0 { return first }
        _ = try run("apt-get update -q", timeout: 600)
        return try run(command, timeout: 600)
    }

    /// Starts `arguments` inside, as a process of this test (chroot execs it, so it keeps the
    /// PID): not through a shell's `&`, since Foundation's Process counts a child as running
    /// for as long as anything it started holds its descriptors.
    func background(_ arguments: [String]) throws -> BackgroundProcess {
        let process = try BackgroundProcess("/usr/sbin/chroot", [path] + arguments, environment: environment)
        started.append(process.pid)
        return process
    }

    /// SIGTERM, then waits up to 15 s; whether it exited with status 0.
    func stop(_ process: BackgroundProcess) -> Bool {
        kill(process.pid, SIGTERM)
        return process.waitForExit(timeout: 15) == 0
    }

    func destroy() {
        // Every process still running inside: the ones started here, and any they left behind
        // (found by their root directory).
        var inside = started
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                  let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/root"),
                  root == path || root.hasPrefix(path + "/") else { continue }
            inside.append(pid)
        }
        for pid in Set(inside) where Self.isRunning(pid) { kill(pid, SIGKILL) }
        _ = eventually(timeout: 5) { !inside.contains(where: Self.isRunning) }
        if procMounted {
            if (try? Command.run("/bin/umount", [path + "/proc"]))?.status != 0 {
                _ = try? Command.run("/bin/umount", ["-l", path + "/proc"])
            }
            procMounted = false
        }
        // Never remove through a mount that is still there.
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        guard !mounts.contains(" \(path)/") else {
            XCTFail("\(path) still has mounts; not removed")
            return
        }
        _ = try? Command.run("/bin/rm", ["-rf", "--one-file-system", path], timeout: 300)
    }

    /// Whether `pid` is a live process (a zombie is not).
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].dropFirst(2).hasPrefix("Z")
    }
}
