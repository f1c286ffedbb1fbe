import Benchmark
import GearmanProtocol
import NIOCore

/// The codec on the server's hot path: 1,000 packets per iteration, 100-byte workloads.
let benchmarks: @Sendable () -> Void = {
    // One iteration is the whole batch of 1,000; the figures are per batch.
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput])

    let workload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 100)
    let submissions: ByteBuffer = {
        var buffer = ByteBuffer()
        for index in 0..<1000 {
            let packet = Packet(.request, .submitJobBackground,
                                arguments: [ByteBuffer(string: "bench0"), ByteBuffer(string: "unique-\(index)"), workload])
            GearmanEncoder.write(packet, to: &buffer)
        }
        return buffer
    }()

    Benchmark("Decode 1,000 SUBMIT_JOB_BG") { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = submissions
            while let message = try GearmanDecoder().decodeMessage(&buffer) {
                blackHole(message)
            }
        }
    }

    let assignment = Packet(.response, .jobAssignUnique,
                            arguments: [ByteBuffer(string: "H:bench:123456"), ByteBuffer(string: "bench0"),
                                        ByteBuffer(string: "unique-42"), workload])
    Benchmark("Encode 1,000 JOB_ASSIGN_UNIQ") { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = ByteBuffer()
            for _ in 0..<1000 { GearmanEncoder.write(assignment, to: &buffer) }
            blackHole(buffer)
        }
    }
}
