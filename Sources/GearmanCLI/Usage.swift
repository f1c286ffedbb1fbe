/// The classic help text, laid out as the C tool prints it.
enum Usage {
    /// The help text; `error` adds the C tool's "Error in usage(...)" header.
    static func text(program: String, options: ClassicOptions, error: String?) -> String {
        func flag(_ value: Bool) -> String { value ? "true" : "false" }
        var text = ""
        if let error {
            text += "\n\(program)\tError in usage(\(error)).\n\n"
        }
        text += """
        Client mode: \(program) [options] [<data>]
        Worker mode: \(program) -w [options] [<command> [<args> ...]]

        Common options to both client and worker modes.
        \t-f <function> - Function name to use for jobs (can give many)
        \t-h <host>     - Job server host
        \t-H            - Print this help menu
        \t-v            - Print diagnostic information to stdout(\(flag(options.verbose)))
        \t-p <port>     - Job server port
        \t-t <timeout>  - Timeout in milliseconds
        \t-i <pidfile>  - Create a pidfile for the process
        \t-S            - Enable SSL connections

        Client options:
        \t-b            - Run jobs in the background(\(flag(options.background)))
        \t-I            - Run jobs as high priority
        \t-L            - Run jobs as low priority
        \t-n            - Run one job per line(\(flag(options.jobPerLine)))
        \t-N            - Same as -n, but strip off the newline(\(flag(options.stripNewline)))
        \t-P            - Prefix all output lines with functions names
        \t-s            - Send job without reading from standard input
        \t-u <unique>   - Unique key to use for job

        Worker options:
        \t-c <count>    - Number of jobs for worker to run before exiting
        \t-n            - Send data packet for each line(\(flag(options.jobPerLine)))
        \t-N            - Same as -n, but strip off the newline(\(flag(options.stripNewline)))
        \t-w            - Run in worker mode(\(flag(options.worker)))

        Exit status: 0 success, 1 a job failed, 2 usage error, 3 no job server reachable or timed out.

        """
        return text
    }
}
