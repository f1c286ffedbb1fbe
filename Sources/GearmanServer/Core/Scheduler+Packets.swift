import GearmanProtocol
import NIOCore

extension Scheduler {
    /// One binary request from `connection`, turned into the matching event.
    public mutating func receive(_ packet: Packet, from connection: ConnectionID) -> [SchedulerAction] {
        guard packet.magic == .request else { return Self.unexpected(packet, to: connection) }
        // Made only where used: on the busiest packets the first argument is a job handle.
        var name: String { packet.string(at: 0) ?? "" }
        switch packet.type {
        case .canDo:
            if let refusal = refusal(ofAbility: name) { return refuse(refusal, to: connection) }
            canDo(name, from: connection)
        case .canDoTimeout:
            if let refusal = refusal(ofAbility: name) { return refuse(refusal, to: connection) }
            guard let timeout = Self.timeoutMilliseconds(packet.string(at: 1)) else {
                return refuse(Packet(.response, .error, "INVALID_ARGUMENT",
                                     "CAN_DO_TIMEOUT wants milliseconds from 0 to \(Self.longestTimeout)"), to: connection)
            }
            canDo(name, timeout: timeout, from: connection)
        case .cantDo:
            cantDo(name, from: connection)
        case .resetAbilities:
            resetAbilities(of: connection)
        case .preSleep:
            return preSleep(connection)
        case .grabJob:
            return grab(.plain, by: connection)
        case .grabJobUnique:
            return grab(.unique, by: connection)
        case .grabJobAll:
            return grab(.all, by: connection)
        case .submitJob, .submitJobHigh, .submitJobLow, .submitJobBackground, .submitJobHighBackground,
             .submitJobLowBackground, .submitReduceJob, .submitReduceJobBackground, .submitJobEpoch:
            guard let submission = Self.submission(from: packet) else {
                return refuse(Packet(.response, .error, "INVALID_ARGUMENT",
                                     "The epoch time must be seconds from 0 to \(Self.latestEpochSecond)"), to: connection)
            }
            return submit(submission, from: connection)
        case .workStatus, .workData, .workWarning, .workComplete, .workFail, .workException:
            return workUpdate(packet, from: connection)
        case .getStatus:
            return status(of: name, for: connection)
        case .getStatusUnique:
            return status(ofUnique: name, for: connection)
        case .echoRequest:
            return [.send(Packet(.response, .echoResponse, arguments: packet.arguments), to: connection)]
        case .optionRequest:
            return option(name, from: connection)
        case .setClientID:
            setClientID(name, for: connection)
        case .allYours:
            break
        default:
            return Self.unexpected(packet, to: connection)
        }
        return []
    }

    /// What a SUBMIT_JOB* packet asks for; nil for an epoch time that is no number.
    static func submission(from packet: Packet) -> Submission? {
        let function = packet.string(at: 0) ?? ""
        let unique = packet.arguments.count > 1 ? packet.arguments[1] : ByteBuffer()
        let data = packet.arguments.last ?? ByteBuffer()
        var runAt: Int64?
        if packet.type == .submitJobEpoch {
            guard let seconds = Int64(packet.string(at: 2) ?? ""), (0...latestEpochSecond).contains(seconds) else { return nil }
            runAt = seconds * 1000
        }
        let priority: Priority
        switch packet.type {
        case .submitJobHigh, .submitJobHighBackground: priority = .high
        case .submitJobLow, .submitJobLowBackground: priority = .low
        default: priority = .normal
        }
        let background: Bool
        switch packet.type {
        case .submitJob, .submitJobHigh, .submitJobLow, .submitReduceJob: background = false
        default: background = true
        }
        return Submission(function: function, uniqueKey: unique, data: data, priority: priority,
                          background: background, runAt: runAt)
    }

    /// The last second a SUBMIT_JOB_EPOCH may name (9999-12-31 23:59:59 UTC): later ones, and
    /// numbers whose milliseconds would not fit in 64 bits, are refused.
    static let latestEpochSecond: Int64 = 253_402_300_799

    /// The longest CAN_DO_TIMEOUT accepted, in milliseconds (about 24.8 days, as a 32-bit int holds).
    static let longestTimeout = Int64(Int32.max)

    /// CAN_DO_TIMEOUT's time limit in milliseconds (nil: no limit): values under 1000 count as
    /// 1000, as gearmand has it (Perl workers send seconds); nil if it is no number or out of range.
    static func timeoutMilliseconds(_ text: String?) -> Int64?? {
        guard let value = Int64(text ?? ""), (0...longestTimeout).contains(value) else { return nil }
        return .some(value == 0 ? nil : max(value, 1000))
    }

    /// The ERROR a CAN_DO gets for a name over the limit, or for a new function while the
    /// server holds its `--max-queue-bytes`.
    private func refusal(ofAbility function: String) -> Packet? {
        if function.utf8.count > limits.functionNameBytes { return Self.functionNameTooLong(limits.functionNameBytes) }
        if functions[function] == nil && heldBytes >= limits.queueBytes { return Self.queueFull }
        return nil
    }

    private func refuse(_ error: Packet, to connection: ConnectionID) -> [SchedulerAction] {
        [.send(error, to: connection)]
    }

    /// gearmand's answer to a packet a client or worker should not send.
    private static func unexpected(_ packet: Packet, to connection: ConnectionID) -> [SchedulerAction] {
        [.send(Packet(.response, .error, "INVALID_COMMAND", "Command not expected"), to: connection)]
    }
}
