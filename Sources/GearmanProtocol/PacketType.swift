/// The binary packet types of gearmand's PROTOCOL file, by their wire numbers.
public enum PacketType: UInt32, Sendable, CaseIterable {
    case canDo = 1
    case cantDo = 2
    case resetAbilities = 3
    case preSleep = 4
    case noop = 6
    case submitJob = 7
    case jobCreated = 8
    case grabJob = 9
    case noJob = 10
    case jobAssign = 11
    case workStatus = 12
    case workComplete = 13
    case workFail = 14
    case getStatus = 15
    case echoRequest = 16
    case echoResponse = 17
    case submitJobBackground = 18
    case error = 19
    case statusResponse = 20
    case submitJobHigh = 21
    case setClientID = 22
    case canDoTimeout = 23
    case allYours = 24
    case workException = 25
    case optionRequest = 26
    case optionResponse = 27
    case workData = 28
    case workWarning = 29
    case grabJobUnique = 30
    case jobAssignUnique = 31
    case submitJobHighBackground = 32
    case submitJobLow = 33
    case submitJobLowBackground = 34
    case submitJobScheduled = 35
    case submitJobEpoch = 36
    case submitReduceJob = 37
    case submitReduceJobBackground = 38
    case grabJobAll = 39
    case jobAssignAll = 40
    case getStatusUnique = 41
    case statusResponseUnique = 42

    /// How the packet's data splits into arguments: `separated` NUL-terminated arguments,
    /// then, if `endsWithData`, the rest as opaque data (a workload or result); otherwise
    /// the last of the `separated` arguments is the rest without a terminator.
    public var layout: (separated: Int, endsWithData: Bool) {
        switch self {
        case .resetAbilities, .preSleep, .noop, .grabJob, .noJob, .allYours, .grabJobUnique, .grabJobAll:
            return (0, false)
        case .canDo, .cantDo, .jobCreated, .workFail, .getStatus, .setClientID, .optionRequest,
             .optionResponse, .getStatusUnique:
            return (1, false)
        case .echoRequest, .echoResponse:
            return (0, true)
        case .workComplete, .workException, .workData, .workWarning:
            return (1, true)
        case .submitJob, .submitJobBackground, .submitJobHigh, .submitJobHighBackground, .submitJobLow,
             .submitJobLowBackground, .jobAssign:
            return (2, true)
        case .canDoTimeout, .error:
            return (2, false)
        case .workStatus:
            return (3, false)
        case .submitJobEpoch, .jobAssignUnique:
            return (3, true)
        case .submitReduceJob, .submitReduceJobBackground, .jobAssignAll:
            return (4, true)
        case .statusResponse:
            return (5, false)
        case .statusResponseUnique:
            return (6, false)
        case .submitJobScheduled:
            return (7, true)
        }
    }

    /// How many arguments a well-formed packet of this type carries.
    public var argumentCount: Int {
        let layout = self.layout
        return layout.separated + (layout.endsWithData ? 1 : 0)
    }
}
