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

        Options the C tool does not have:
        \t--window <n>                 - With -n/-N: jobs in flight at once (default 100)
        \t--json                       - One JSON object per job on stdout
        \t-j, --concurrency <n>        - Worker: jobs run at once (default 1)
        \t--id <name>                  - Worker: the id admin "workers" shows
        \t--job-timeout <seconds>      - Worker: stop a job's command after that
        \t--shutdown-timeout <seconds> - Worker: after SIGTERM, time left for jobs (30)
        \t--exceptions                 - Worker: failed jobs end with WORK_EXCEPTION
        \t--help                       - Print this help menu
        \t-V, --version                - Print the version

        Subcommands, as the first argument (each takes --help and --version):
        \tserver                       - A job server, with gearmand's options
        \tadmin                        - Admin commands, with gearadmin's options
        \tstatus                       - Ask about jobs by handle or unique key
        \ttop                          - Live view of job servers
        \tbench                        - Load generator for a job server

        Exit status: 0 success, 1 a job failed, 2 usage error, 3 no job server reachable or timed out.

        """
        return text
    }
}
