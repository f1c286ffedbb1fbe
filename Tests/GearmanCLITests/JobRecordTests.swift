import XCTest
import GearmanKit
@testable import GearmanCLI

final class JobRecordTests: XCTestCase {
    /// Adds an event whose payload is `bytes`, as the client's callbacks hand them over.
    private func add(_ record: inout JobRecord, _ event: (UnsafeRawBufferPointer) -> TaskEvent, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { record.add(event($0)) }
    }

    private func add(_ record: inout JobRecord, _ event: (UnsafeRawBufferPointer) -> TaskEvent, _ text: String) {
        add(&record, event, Array(text.utf8))
    }

    // MARK: Foreground jobs

    func testCompletedForegroundJobWithTextData() {
        var record = JobRecord(JobRequest(function: "reverse"))
        record.add(.created(jobHandle: "H:gm1:1"))
        add(&record, TaskEvent.data, "olle")
        record.add(.status(numerator: 1, denominator: 2))
        add(&record, TaskEvent.complete, "h")
        XCTAssertFalse(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"reverse","unique":null,"handle":"H:gm1:1","status":"complete","data":"olleh","warnings":[]}"#)
    }

    func testWarningsOfACompletedJobLoseTheirNewlineAndAddNoError() {
        var record = JobRecord(JobRequest(function: "resize"))
        record.add(.created(jobHandle: "H:gm1:2"))
        add(&record, TaskEvent.warning, "disk slow\n")
        add(&record, TaskEvent.warning, "retrying")
        add(&record, TaskEvent.complete, "ok")
        XCTAssertFalse(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"resize","unique":null,"handle":"H:gm1:2","status":"complete","data":"ok","warnings":["disk slow","retrying"]}"#)
    }

    func testDataIsEscapedAsJSONText() {
        var record = JobRecord(JobRequest(function: "echo"))
        record.add(.created(jobHandle: "H:gm1:3"))
        add(&record, TaskEvent.complete, "say \"hi\"\\\n\tend\u{01}")
        XCTAssertEqual(record.json,
                       #"{"function":"echo","unique":null,"handle":"H:gm1:3","status":"complete","data":"say \"hi\"\\\n\tend\u0001","warnings":[]}"#)
    }

    func testBinaryResultIsBase64WithoutADataKey() {
        var record = JobRecord(JobRequest(function: "thumbnail"))
        record.add(.created(jobHandle: "H:gm1:4"))
        add(&record, TaskEvent.complete, [0xff, 0xfe])
        XCTAssertFalse(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"thumbnail","unique":null,"handle":"H:gm1:4","status":"complete","data_base64":"//4=","warnings":[]}"#)
        XCTAssertFalse(record.json.contains(#""data":"#))
    }

    func testBinaryDataSplitAcrossChunksIsEncodedWhole() {
        var record = JobRecord(JobRequest(function: "thumbnail"))
        record.add(.created(jobHandle: "H:gm1:5"))
        add(&record, TaskEvent.data, [0x66, 0xff])  // "f", then a byte that is no UTF-8
        add(&record, TaskEvent.complete, [0x6f])
        XCTAssertTrue(record.json.contains(#""data_base64":"Zv9v""#), record.json)
    }

    func testMultibyteCharacterSplitAcrossChunksStaysText() {
        var record = JobRecord(JobRequest(function: "greet"))
        record.add(.created(jobHandle: "H:gm1:6"))
        let e = Array("é".utf8)
        add(&record, TaskEvent.data, [e[0]])
        add(&record, TaskEvent.complete, [e[1]])
        XCTAssertTrue(record.json.contains(#""data":"é""#), record.json)
        XCTAssertFalse(record.json.contains("data_base64"))
    }

    func testFailedJobErrorIsTheLastWarning() {
        var record = JobRecord(JobRequest(function: "convert"))
        record.add(.created(jobHandle: "H:gm1:7"))
        add(&record, TaskEvent.warning, "starting\n")
        add(&record, TaskEvent.warning, "out of memory\n")
        record.add(.failed)
        XCTAssertTrue(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"convert","unique":null,"handle":"H:gm1:7","status":"failed","data":"","warnings":["starting","out of memory"],"error":"out of memory"}"#)
    }

    func testFailedJobWithoutWarningsSaysJobFailed() {
        var record = JobRecord(JobRequest(function: "convert"))
        record.add(.created(jobHandle: "H:gm1:8"))
        record.add(.failed)
        XCTAssertTrue(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"convert","unique":null,"handle":"H:gm1:8","status":"failed","data":"","warnings":[],"error":"Job failed"}"#)
    }

    func testException() {
        var record = JobRecord(JobRequest(function: "parse"))
        record.add(.created(jobHandle: "H:gm1:9"))
        add(&record, TaskEvent.data, "partial")
        add(&record, TaskEvent.exception, "ValueError: bad input\n")
        XCTAssertTrue(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"parse","unique":null,"handle":"H:gm1:9","status":"exception","data":"partial","warnings":[],"error":"ValueError: bad input"}"#)
    }

    // MARK: Background jobs, errors, unique keys

    func testBackgroundJobIsQueuedOnceCreated() {
        var record = JobRecord(JobRequest(function: "resize", unique: "img-42", background: true))
        XCTAssertTrue(record.failed, "not yet accepted by the server")
        record.add(.created(jobHandle: "H:gm1:10"))
        XCTAssertFalse(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"resize","unique":"img-42","handle":"H:gm1:10","status":"queued","data":"","warnings":[]}"#)
    }

    func testJobThatNeverGotAnAnswer() {
        var record = JobRecord(JobRequest(function: "reverse", unique: "line-3"))
        record.fail("Connection refused")
        XCTAssertTrue(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"reverse","unique":"line-3","handle":null,"status":"error","data":"","warnings":[],"error":"Connection refused"}"#)
    }

    func testForegroundJobCreatedButNeverAnsweredIsAnError() {
        var record = JobRecord(JobRequest(function: "reverse"))
        record.add(.created(jobHandle: "H:gm1:11"))
        add(&record, TaskEvent.data, "par")
        record.fail("connection lost")
        XCTAssertTrue(record.failed)
        XCTAssertEqual(record.json,
                       #"{"function":"reverse","unique":null,"handle":"H:gm1:11","status":"error","data":"par","warnings":[],"error":"connection lost"}"#)
    }

    func testUniqueKeyIsNullOrAString() {
        XCTAssertTrue(JobRecord(JobRequest(function: "f")).json.contains(#""unique":null,"#))
        XCTAssertTrue(JobRecord(JobRequest(function: "f", unique: "k\"1")).json.contains(#""unique":"k\"1","#))
    }

    // MARK: Base64

    func testBase64RFC4648Vectors() {
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain)
        }
    }

    func testBase64HighBytesUseTheLastAlphabetCharacters() {
        XCTAssertEqual(Base64.encode([0xff, 0xfe]), "//4=")
        XCTAssertEqual(Base64.encode([0xfb, 0xff]), "+/8=")
        XCTAssertEqual(Base64.encode([0x00, 0x00, 0x00]), "AAAA")
        XCTAssertEqual(Base64.encode([0xff, 0xff, 0xff, 0xff]), "/////w==")
    }
}
