/// What the scheduler knows about one connection: as a worker, as a client, or both.
struct Peer {
    /// Functions this connection can do, with the CAN_DO_TIMEOUT in milliseconds (nil: none).
    var abilities: [String: Int64?] = [:]
    /// Sent PRE_SLEEP and not woken since.
    var sleeping = false
    /// The jobs this worker is running.
    var running: Set<JobID> = []
    /// The foreground jobs this client waits on.
    var waitingOn: Set<JobID> = []
    /// Asked for WORK_EXCEPTION packets (OPTION_REQ "exceptions").
    var wantsExceptions = false
    /// Set by SET_CLIENT_ID; "-" until then, as gearmand shows it.
    var clientID = "-"
}
