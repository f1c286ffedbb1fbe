import GearmanKit
import GearmanTool

extension GearmanError {
    /// Why a connection failed, in words, with libgearman's code word that scripts grep for:
    /// `Connection refused (GEARMAN_COULD_NOT_CONNECT)`.
    var connectionFailure: String {
        (systemErrno != 0 ? StandardStreams.describe(errno: systemErrno) : "connection failed") + " (\(codeName))"
    }
}
