import Foundation
import XCTest

/// `gearman server --ssl` with real TLS peers: `openssl s_client`, Python's ssl module, and
/// our own admin and bench tools; mutual TLS refuses a client without a certificate. The
/// certificates are made for each test by the openssl command line (a CA, a server
/// certificate for 127.0.0.1 and localhost, and a client certificate).
final class TLSTests: XCTestCase {
    private var directory: URL!
    private var processes: [BackgroundProcess] = []

    override func setUpWithError() throws {
        try Binaries.require(Binaries.ours)
        try Binaries.require(Binaries.openssl)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem
            openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem
            """
        let made = try Command.run("/bin/sh", ["-c", script], currentDirectory: directory.path)
        XCTAssertEqual(made.status, 0, made.stderr)
    }

    override func tearDown() {
        processes.forEach { $0.stop() }
        processes = []
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Our server with TLS on a free port (and HTTP on another when asked); returns the ports.
    private func startServer(_ extra: [String] = [], http: Bool = false) throws -> (port: UInt16, httpPort: UInt16?) {
        let port = try Network.freePort()
        let httpPort = http ? try Network.freePort() : nil
        let arguments = ["server", "-L", "127.0.0.1", "-p", "\(port)", "--ssl", "--ssl-certificate", file("server.pem"),
                         "--ssl-key", file("server.key"), "--ssl-ca-file", file("ca.pem")]
            + (httpPort.map { ["--http-port", "\($0)"] } ?? []) + extra
        let process = try BackgroundProcess(Binaries.ours, arguments)
        processes.append(process)
        XCTAssertTrue(eventually { Network.accepts(port: port) }, process.stderr)
        XCTAssertTrue(process.stderr.contains("with TLS") || eventually { process.stderr.contains("with TLS") }, process.stderr)
        return (port, httpPort)
    }

    /// Runs a Python script with the test's files in its working directory.
    private func python(_ script: String) throws -> CommandResult {
        try Command.run(Binaries.python, ["-c", script], currentDirectory: directory.path, timeout: 30)
    }

    /// Python that connects with TLS (trusting the test CA, with `certificate` if given), sends
    /// ECHO_REQ and prints what comes back, or the error.
    private func pythonEcho(port: UInt16, certificate: Bool) -> String {
        """
        import socket, ssl, struct
        context = ssl.create_default_context(cafile='ca.pem')
        \(certificate ? "context.load_cert_chain('client.pem', 'client.key')" : "")
        try:
            with socket.create_connection(('127.0.0.1', \(port)), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname='localhost') as tls:
                    tls.sendall(b'\\0REQ' + struct.pack('>II', 16, 5) + b'hello')
                    reply = b''
                    while len(reply) < 17:
                        chunk = tls.recv(100)
                        if not chunk: break
                        reply += chunk
                    print(reply[12:].decode() if len(reply) >= 17 else 'closed')
        except (ssl.SSLError, OSError) as error:
            print('refused', type(error).__name__)
        """
    }

    func testOpenSSLClientCompletesAHandshakeAndTheAdminProtocolAnswers() throws {
        let (port, _) = try startServer()
        // s_client keeps reading after its input ends (-ign_eof) until `timeout` stops it.
        let result = try Command.run("/usr/bin/timeout", ["3", Binaries.openssl, "s_client", "-connect", "127.0.0.1:\(port)",
                                                          "-CAfile", file("ca.pem"), "-verify_return_error", "-ign_eof"],
                                     stdin: Array("version\n".utf8), timeout: 20)
        XCTAssertTrue(result.stdoutText.contains("Verify return code: 0 (ok)"), result.stdoutText + result.stderr)
        XCTAssertTrue(result.stdoutText.contains("\nOK "), "no answer to version over TLS: \(result.stdoutText)")
    }

    func testPythonSSLSpeaksTheBinaryProtocol() throws {
        let (port, _) = try startServer()
        XCTAssertEqual(try python(pythonEcho(port: port, certificate: false)).stdoutText, "hello\n")
    }

    func testAPlainClientOnTheTLSPortGetsNoGearmanService() throws {
        let (port, _) = try startServer()
        let plain = try RawConnection(port: port)
        plain.send(.echoRequest, ["plain"])
        XCTAssertNil(plain.receive(timeout: 3).flatMap { $0.type == RawConnection.Kind.echoResponse.rawValue ? $0 : nil })
    }

    func testMutualTLSRefusesAClientWithoutACertificate() throws {
        let (port, _) = try startServer(["--ssl-verify-client"])
        XCTAssertEqual(try python(pythonEcho(port: port, certificate: true)).stdoutText, "hello\n")
        let refused = try python(pythonEcho(port: port, certificate: false)).stdoutText
        XCTAssertTrue(refused.hasPrefix("refused") || refused == "closed\n", refused)
    }

    func testOurAdminStatusAndBenchToolsSpeakTLS() throws {
        let (port, _) = try startServer(["--ssl-verify-client"])
        let tls = ["--ssl", "--ssl-ca-file", file("ca.pem"), "--ssl-certificate", file("client.pem"), "--ssl-key", file("client.key")]
        let admin = try Command.run(Binaries.ours, ["admin", "-h", "127.0.0.1", "-p", "\(port)", "--server-version"] + tls)
        XCTAssertEqual(admin.status, 0, admin.stderr)
        XCTAssertEqual(admin.stdoutText, "\(try VersionTests.manPageVersion())\n")
        let byName = try Command.run(Binaries.ours, ["admin", "-h", "localhost", "-p", "\(port)", "--status"] + tls)
        XCTAssertEqual(byName.status, 0, byName.stdoutText + byName.stderr)
        // An unknown job: exit 1 with its line, where a connection failure would exit 3.
        let status = try Command.run(Binaries.ours, ["status", "-h", "127.0.0.1", "-p", "\(port)", "H:none:1"] + tls)
        XCTAssertEqual(status.status, 1, status.stderr)
        XCTAssertTrue(status.stdoutText.contains("H:none:1"), status.stdoutText)
        let bench = try Command.run(Binaries.ours, ["bench", "rtt", "-h", "127.0.0.1", "-p", "\(port)", "-n", "200", "--json"] + tls,
                                    timeout: 60)
        XCTAssertEqual(bench.status, 0, bench.stderr)
        XCTAssertTrue(bench.stdoutText.contains("\"jobs\":200"), bench.stdoutText)
        let untrusted = try Command.run(Binaries.ours, ["admin", "-h", "127.0.0.1", "-p", "\(port)", "--status", "--ssl"])
        XCTAssertNotEqual(untrusted.status, 0, "a server signed by an unknown CA was trusted")
    }

    func testTheHTTPListenerServesTLSToo() throws {
        let (_, httpPort) = try startServer(http: true)
        let script = """
            import ssl, urllib.request
            context = ssl.create_default_context(cafile='ca.pem')
            print(urllib.request.urlopen('https://127.0.0.1:\(try XCTUnwrap(httpPort))/status', context=context, timeout=10).status)
            """
        XCTAssertEqual(try python(script).stdoutText, "200\n")
    }

    func testAMissingCertificateFileIsNamedAtStartUp() throws {
        let result = try Command.run(Binaries.ours, ["server", "-p", "0", "--ssl", "--ssl-certificate", file("missing.pem"),
                                                     "--ssl-key", file("server.key")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("missing.pem"), result.stderr)
    }
}
