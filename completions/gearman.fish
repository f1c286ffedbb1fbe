# fish completion for gearman(1), and for gearman-server and gearman-bench, the
# executables that `gearman server` and `gearman bench` run.
# Install as ~/.config/fish/completions/gearman.fish or
# /usr/share/fish/vendor_completions.d/gearman.fish (and the same file, or a link
# to it, as gearman-server.fish and gearman-bench.fish).

# Reads the words given as arguments (the command line before the cursor,
# without "gearman") the way getopt reads them, and prints one word:
#   N       - the worker's command starts at word N (in worker mode, or after --)
#   value   - the next word is the value of an option
#   ended   - after --: the next word is the worker's command
#   worker  - worker mode: the next operand is the worker's command
# or nothing when none of these holds.
function __gearman_scan
    set -l worker 0
    set -l ended 0
    set -l want 0
    for i in (seq (count $argv))
        set -l tok $argv[$i]
        if test $want -eq 1
            set want 0
            continue
        end
        if test $ended -eq 0
            if test "$tok" = --
                set ended 1
                continue
            end
            if contains -- $tok --id --job-timeout --concurrency --shutdown-timeout --window
                set want 1
                continue
            end
            if string match -qr -- '^--(id|job-timeout|concurrency|shutdown-timeout|window)=' $tok
                continue
            end
            if string match -qr -- '^-.' $tok
                # A cluster such as -bw, or an option with its value: -fwc.
                string match -qr -- '^-[^cfhptuij]*w' $tok; and set worker 1
                string match -qr -- '^-[^cfhptuij]*[cfhptuij]$' $tok; and set want 1
                continue
            end
        end
        # An operand: in worker mode or after --, the command.
        if test $worker -eq 1 -o $ended -eq 1
            echo $i
            return
        end
    end
    if test $want -eq 1
        echo value
    else if test $ended -eq 1
        echo ended
    else if test $worker -eq 1
        echo worker
    end
end

# Where the cursor is, read the way getopt reads the command line:
#   first    - the first word (the "server" subcommand may go here)
#   server   - after the "server" subcommand
#   admin    - after the "admin" subcommand
#   top      - after the "top" subcommand
#   status   - after the "status" subcommand
#   bench    - after the "bench" subcommand
#   command  - the worker's command or its arguments (in worker mode, or after --)
#   options  - anywhere else
# With arguments, succeeds when the state is one of them.
function __gearman_state
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l state options
    if not set -q tokens[1]
        set state first
    else if test "$tokens[1]" = server
        set state server
    else if test "$tokens[1]" = admin
        set state admin
    else if test "$tokens[1]" = top
        set state top
    else if test "$tokens[1]" = status
        set state status
    else if test "$tokens[1]" = bench
        set state bench
    else
        set -l scan (__gearman_scan $tokens)
        switch "$scan"
            case '' value
                # Options, or an option's value.
            case ended
                # The cursor is on the command itself.
                set state command
            case worker
                # The cursor is on the command itself, unless an option is being typed.
                string match -qr -- '^-' (commandline -ct); or set state command
            case '*'
                # Past the start of the command.
                set state command
        end
    end
    if set -q argv[1]
        contains -- $state $argv
        return
    end
    echo $state
end

# The worker's command and its arguments, completed as a command line of their own.
function __gearman_complete_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l words
    set -l start (__gearman_scan $tokens)
    if string match -qr -- '^[0-9]+$' "$start"
        set words $tokens[$start..-1]
    end
    __fish_complete_subcommand --commandline $words (commandline -ct)
end

# Host names for -h; the value may be a list host[:port],host[:port].
function __gearman_complete_hosts
    set -l token (commandline -ct)
    # A value joined to its option (-hHOST) keeps the option in front.
    set -l prefix (string match -r -- '^-[bdHILnNPsSvw]*h' $token)
    set -l value (string sub -s (math (string length -- "$prefix") + 1) -- $token)
    set -l head (string match -r -- '^.*,' $value)
    for host in (__fish_print_hostnames)
        printf '%s%s%s\n' "$prefix" "$head" $host
    end
end

# No file names, except where asked for.
complete -c gearman -f

complete -c gearman -n '__gearman_state first' -a server -d 'Run a Gearman job server'
complete -c gearman -n '__gearman_state first' -a admin -d 'Query and steer job servers'
complete -c gearman -n '__gearman_state first' -a top -d 'Live view of job servers'
complete -c gearman -n '__gearman_state first' -a status -d 'Status of jobs by handle or unique key'
complete -c gearman -n '__gearman_state first' -a bench -d 'Load generator for job servers'

set -l opt "__gearman_state first options"
complete -c gearman -n $opt -s f -x -d 'Function name (repeatable)'
complete -c gearman -n $opt -s h -x -a '(__gearman_complete_hosts)' -d 'Job server host[:port][,host[:port]...]'
complete -c gearman -n $opt -s p -x -d 'Job server port (default 4730)'
complete -c gearman -n $opt -s t -x -d 'Timeout in milliseconds (negative = forever)'
complete -c gearman -n $opt -s i -r -F -d 'Write the process id to PIDFILE'
complete -c gearman -n $opt -s d -d 'Run as a daemon'
complete -c gearman -n $opt -s H -l help -d 'Print help and exit'
complete -c gearman -n $opt -s V -l version -d 'Print the version and exit'
complete -c gearman -n $opt -s v -d 'Print "Task created" for each job'
complete -c gearman -n $opt -s S -d 'Use TLS'
complete -c gearman -n $opt -s b -d 'Client: run jobs in the background'
complete -c gearman -n $opt -s I -d 'Client: run jobs at high priority'
complete -c gearman -n $opt -s L -d 'Client: run jobs at low priority'
complete -c gearman -n $opt -s n -d 'One job per line; worker: one packet per output line'
complete -c gearman -n $opt -s N -d 'Like -n, but strip the newline'
complete -c gearman -n $opt -s P -d 'Client: prefix output with the function name'
complete -c gearman -n $opt -s s -d 'Client: send an empty workload, do not read stdin'
complete -c gearman -n $opt -s u -x -d 'Client: unique key for every job'
complete -c gearman -n $opt -s w -d 'Run in worker mode'
complete -c gearman -n $opt -l id -x -d 'Worker: the client id admin workers shows'
complete -c gearman -n $opt -l job-timeout -x -d 'Worker: stop a command still running after SECONDS'
complete -c gearman -n $opt -s j -l concurrency -x -d 'Worker: run up to N jobs at once'
complete -c gearman -n $opt -l shutdown-timeout -x -d 'Worker: on SIGTERM, let running jobs finish for SECONDS'
complete -c gearman -n $opt -l exceptions -d 'Worker: end a failing job with WORK_EXCEPTION'
complete -c gearman -n $opt -l window -x -d 'Client: with -n/-N, jobs in flight at once'
complete -c gearman -n $opt -l json -d 'Client: one JSON object per job'
complete -c gearman -n $opt -s c -x -d 'Worker: exit after COUNT jobs (0 = never)'

complete -c gearman -n '__gearman_state command' -a '(__gearman_complete_command)'

# gearman server: gearmand's options.
complete -c gearman -n '__gearman_state server' -l port -s p -x -d 'Port to listen on (default 4730)'
complete -c gearman -n '__gearman_state server' -l listen -s L -x -d 'Address to listen on (repeatable)'
complete -c gearman -n '__gearman_state server' -l backlog -s b -x -d 'Listen backlog (default 1024)'
complete -c gearman -n '__gearman_state server' -l daemon -s d -d 'Detach once listening'
complete -c gearman -n '__gearman_state server' -l pid-file -s P -r -F -d 'Write the process id to FILE'
complete -c gearman -n '__gearman_state server' -l log-file -s l -r -F -d 'Log file, stderr or none'
complete -c gearman -n '__gearman_state server' -l verbose -x -a 'FATAL ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG' -d 'Log level'
complete -c gearman -n '__gearman_state server' -l job-retries -s j -x -d 'Fail a job after N worker deaths'
complete -c gearman -n '__gearman_state server' -l job-handle-prefix -x -d 'Job handles are PREFIX:n'
complete -c gearman -n '__gearman_state server' -l exceptions -d 'WORK_EXCEPTION to every client'
complete -c gearman -n '__gearman_state server' -l keepalive -d 'TCP keepalive'
complete -c gearman -n '__gearman_state server' -l keepalive-idle -x -d 'TCP_KEEPIDLE seconds'
complete -c gearman -n '__gearman_state server' -l keepalive-interval -x -d 'TCP_KEEPINTVL seconds'
complete -c gearman -n '__gearman_state server' -l keepalive-count -x -d 'TCP_KEEPCNT'
complete -c gearman -n '__gearman_state server' -l file-descriptors -s f -x -d 'Raise the open-file limit'
complete -c gearman -n '__gearman_state server' -l user -s u -x -a '(__fish_complete_users)' -d 'Switch to USER after binding'
complete -c gearman -n '__gearman_state server' -l queue-type -s q -x -a 'builtin libsqlite3 postgres' -d 'Queue type'
complete -c gearman -n '__gearman_state server' -l libsqlite3-db -r -F -d 'The SQLite queue file'
complete -c gearman -n '__gearman_state server' -l libsqlite3-table -x -d 'The queue table'
complete -c gearman -n '__gearman_state server' -l sqlite -r -F -d 'Short for -q libsqlite3 --libsqlite3-db FILE'
complete -c gearman -n '__gearman_state server' -l libpq-conninfo -x -d 'The PostgreSQL connection string'
complete -c gearman -n '__gearman_state server' -l libpq-table -x -d 'The PostgreSQL queue table'
complete -c gearman -n '__gearman_state server' -l store-queue-on-shutdown -d 'Write the queue at shutdown only'
complete -c gearman -n '__gearman_state server' -l http-port -x -d 'Serve /metrics, /status and POST /FUNCTION on PORT'
complete -c gearman -n '__gearman_state server' -l protocol -s r -x -a http -d 'Protocol module (http)'
complete -c gearman -n '__gearman_state server' -l config-file -r -F -d 'Read more options from FILE'
complete -c gearman -n '__gearman_state server' -l threads -s t -x -d 'Accepted for gearmand compatibility'
complete -c gearman -n '__gearman_state server' -l worker-wakeup -s w -x -d 'Sleeping workers each new job wakes (default 1, 0 = all)'
complete -c gearman -n '__gearman_state server' -l round-robin -s R -d 'Accepted for gearmand compatibility'
complete -c gearman -n '__gearman_state server' -l hashtable-buckets -x -d 'Accepted for gearmand compatibility'
complete -c gearman -n '__gearman_state server' -l max-packet-size -x -d 'Largest packet accepted'
complete -c gearman -n '__gearman_state server' -l shutdown-timeout -x -d 'Seconds a graceful shutdown waits'
complete -c gearman -n '__gearman_state server' -l ssl -d 'TLS on the Gearman port and the HTTP listener'
complete -c gearman -n '__gearman_state server' -l ssl-certificate -r -F -d 'The server certificate, PEM'
complete -c gearman -n '__gearman_state server' -l ssl-key -r -F -d 'Its private key, PEM'
complete -c gearman -n '__gearman_state server' -l ssl-ca-file -r -F -d 'The CA that signs client certificates, PEM'
complete -c gearman -n '__gearman_state server' -l ssl-verify-client -d 'Mutual TLS: refuse clients without a certificate'
complete -c gearman -n '__gearman_state server' -l admin-allow -x -d 'Networks that may send admin commands that change state'
complete -c gearman -n '__gearman_state server' -l max-unique-size -x -d 'Longest unique key (default 64)'
complete -c gearman -n '__gearman_state server' -l max-function-size -x -d 'Longest function name (default 512)'
complete -c gearman -n '__gearman_state server' -l max-queue-bytes -x -d 'Refuse new jobs past this (default 1 GiB)'
complete -c gearman -n '__gearman_state server' -l max-output-bytes -x -d 'Stop reading a connection with more unsent replies'
complete -c gearman -n '__gearman_state server' -l output-stall-timeout -x -d 'Close a connection stuck over that bound after SECONDS'
complete -c gearman -n '__gearman_state server' -l max-connections -x -d 'Connections on the Gearman port at once'
complete -c gearman -n '__gearman_state server' -l wakeup-retry -x -d 'Milliseconds before the next sleeper is woken'
complete -c gearman -n '__gearman_state server' -l http-job-timeout -x -d 'HTTP foreground job time limit in ms'
complete -c gearman -n '__gearman_state server' -l http-request-timeout -x -d 'HTTP request time limit in ms'
complete -c gearman -n '__gearman_state server' -l http-max-connections -x -d 'HTTP connections at once'
complete -c gearman -n '__gearman_state server' -l retries -x -d 'Run a failed background job again up to N times'
complete -c gearman -n '__gearman_state server' -l retry-backoff -x -d 'Seconds before the first retry, doubled for each next one'
complete -c gearman -n '__gearman_state server' -l retry-backoff-max -x -d 'Longest delay between retries'
complete -c gearman -n '__gearman_state server' -l dead-jobs -x -d 'Failed background jobs the dead-job list keeps'
complete -c gearman -n '__gearman_state server' -l dead-jobs-bytes -x -d 'Bytes the dead-job list may hold'
complete -c gearman -n '__gearman_state server' -l check-args -d 'Check the options, say whether they are valid, and exit'
complete -c gearman -n '__gearman_state server' -l help -s h -d 'Print the options and exit'
complete -c gearman -n '__gearman_state server' -l version -s V -d 'Print the version and exit'

# gearman admin: gearadmin's options.
complete -c gearman -n '__gearman_state admin' -l host -s h -x -a '(__gearman_complete_hosts)' -d 'Job server host[:port] (repeatable)'
complete -c gearman -n '__gearman_state admin' -l port -s p -x -d 'Port for hosts without one'
complete -c gearman -n '__gearman_state admin' -l status -d 'Jobs and workers per function'
complete -c gearman -n '__gearman_state admin' -l priority-status -d 'Queued jobs by priority'
complete -c gearman -n '__gearman_state admin' -l workers -d 'Connections and their functions'
complete -c gearman -n '__gearman_state admin' -l server-version -d 'Server version'
complete -c gearman -n '__gearman_state admin' -l server-verbose -d 'Server log level'
complete -c gearman -n '__gearman_state admin' -l getpid -d 'Server process id'
complete -c gearman -n '__gearman_state admin' -l show-jobs -d 'Every job the server holds'
complete -c gearman -n '__gearman_state admin' -l show-unique-jobs -d 'The unique keys of the jobs'
complete -c gearman -n '__gearman_state admin' -l cancel-job -x -d 'Remove a job'
complete -c gearman -n '__gearman_state admin' -l create-function -x -d 'Create a function'
complete -c gearman -n '__gearman_state admin' -l drop-function -x -d 'Drop a function'
complete -c gearman -n '__gearman_state admin' -l maxqueue -x -d 'Limit the queue of a function'
complete -c gearman -n '__gearman_state admin' -l dead -d 'The dead-job list: background jobs that failed for good'
complete -c gearman -n '__gearman_state admin' -l retry-dead -x -d 'Queue a dead job again'
complete -c gearman -n '__gearman_state admin' -l retry-dead-function -x -d 'Queue every dead job of a function again'
complete -c gearman -n '__gearman_state admin' -l drop-dead -x -d 'Forget the dead jobs of a function'
complete -c gearman -n '__gearman_state admin' -l retries -x -d 'Show or set the retries of a function'
complete -c gearman -n '__gearman_state admin' -l shutdown -d 'Stop the server'
complete -c gearman -n '__gearman_state admin' -l graceful -d 'With --shutdown: finish running jobs'
complete -c gearman -n '__gearman_state admin' -l json -d 'JSON output'
complete -c gearman -n '__gearman_state admin' -l ssl -s S -d 'Connect with TLS'
complete -c gearman -n '__gearman_state admin' -l ssl-ca-file -r -F -d 'Trust servers signed by this CA'
complete -c gearman -n '__gearman_state admin' -l ssl-certificate -r -F -d 'Client certificate for mutual TLS'
complete -c gearman -n '__gearman_state admin' -l ssl-key -r -F -d 'The client certificate key'
complete -c gearman -n '__gearman_state admin' -l help -s H -d 'Print the options and exit'
complete -c gearman -n '__gearman_state admin' -l version -s V -d 'Print the version and exit'

# gearman top.
complete -c gearman -n '__gearman_state top' -l host -s h -x -a '(__gearman_complete_hosts)' -d 'Job server host[:port] (repeatable)'
complete -c gearman -n '__gearman_state top' -l port -s p -x -d 'Port for hosts without one'
complete -c gearman -n '__gearman_state top' -l interval -s i -x -d 'Seconds between samples'
complete -c gearman -n '__gearman_state top' -l sort -s s -x -a 'name queued running workers change dead' -d 'Sort key'
complete -c gearman -n '__gearman_state top' -l count -s n -x -d 'Stop after N samples'
complete -c gearman -n '__gearman_state top' -l ssl -s S -d 'Connect with TLS'
complete -c gearman -n '__gearman_state top' -l ssl-ca-file -r -F -d 'Trust servers signed by this CA'
complete -c gearman -n '__gearman_state top' -l ssl-certificate -r -F -d 'Client certificate for mutual TLS'
complete -c gearman -n '__gearman_state top' -l ssl-key -r -F -d 'The client certificate key'
complete -c gearman -n '__gearman_state top' -l help -s H -d 'Print the options and exit'
complete -c gearman -n '__gearman_state top' -l version -s V -d 'Print the version and exit'

# gearman status.
complete -c gearman -n '__gearman_state status' -l host -s h -x -a '(__gearman_complete_hosts)' -d 'Job server host[:port] (repeatable)'
complete -c gearman -n '__gearman_state status' -l port -s p -x -d 'Port for hosts without one'
complete -c gearman -n '__gearman_state status' -l unique -s u -x -d 'Ask about the job with this unique key'
complete -c gearman -n '__gearman_state status' -l function -s f -x -d 'Accepted with --unique'
complete -c gearman -n '__gearman_state status' -l json -d 'One JSON object per job'
complete -c gearman -n '__gearman_state status' -l ssl -s S -d 'Connect with TLS'
complete -c gearman -n '__gearman_state status' -l ssl-ca-file -r -F -d 'Trust servers signed by this CA'
complete -c gearman -n '__gearman_state status' -l ssl-certificate -r -F -d 'Client certificate for mutual TLS'
complete -c gearman -n '__gearman_state status' -l ssl-key -r -F -d 'The client certificate key'
complete -c gearman -n '__gearman_state status' -l help -s H -d 'Print the options and exit'
complete -c gearman -n '__gearman_state status' -l version -s V -d 'Print the version and exit'

# gearman bench.
complete -c gearman -n '__gearman_state bench; and not __fish_seen_subcommand_from submit drain e2e rtt' -a submit -d 'Background submissions'
complete -c gearman -n '__gearman_state bench; and not __fish_seen_subcommand_from submit drain e2e rtt' -a drain -d 'Workers drain a queue'
complete -c gearman -n '__gearman_state bench; and not __fish_seen_subcommand_from submit drain e2e rtt' -a e2e -d 'Submitters and workers at once'
complete -c gearman -n '__gearman_state bench; and not __fish_seen_subcommand_from submit drain e2e rtt' -a rtt -d 'Foreground round trips, latency'
complete -c gearman -n '__gearman_state bench' -l host -s h -x -a '(__gearman_complete_hosts)' -d 'Job server host (loopback unless --allow-remote)'
complete -c gearman -n '__gearman_state bench' -l port -s p -x -d 'Job server port (default 4730)'
complete -c gearman -n '__gearman_state bench' -l connections -s c -x -d 'Submitting connections'
complete -c gearman -n '__gearman_state bench' -l depth -s d -x -d 'Jobs in flight per submitting connection'
complete -c gearman -n '__gearman_state bench' -l workers -s w -x -d 'Worker connections'
complete -c gearman -n '__gearman_state bench' -l worker-depth -x -d 'Grabs outstanding per worker'
complete -c gearman -n '__gearman_state bench' -l jobs -s n -x -d 'Stop after N jobs'
complete -c gearman -n '__gearman_state bench' -l seconds -x -d 'Stop after S seconds'
complete -c gearman -n '__gearman_state bench' -l payload -x -d 'Workload size in bytes'
complete -c gearman -n '__gearman_state bench' -l unique -x -a 'distinct none' -d 'Unique keys'
complete -c gearman -n '__gearman_state bench' -l functions -x -d 'Spread jobs over N functions'
complete -c gearman -n '__gearman_state bench' -l threads -x -d 'Event loop threads'
complete -c gearman -n '__gearman_state bench' -l json -d 'One JSON object instead of the table'
complete -c gearman -n '__gearman_state bench' -l allow-remote -d 'Allow a server on another machine'
complete -c gearman -n '__gearman_state bench' -l ssl -s S -d 'Connect with TLS'
complete -c gearman -n '__gearman_state bench' -l ssl-ca-file -r -F -d 'Trust servers signed by this CA'
complete -c gearman -n '__gearman_state bench' -l ssl-certificate -r -F -d 'Client certificate for mutual TLS'
complete -c gearman -n '__gearman_state bench' -l ssl-key -r -F -d 'The client certificate key'
complete -c gearman -n '__gearman_state bench' -l function-prefix -x -d 'Name the functions PREFIX0 to PREFIXN-1'
complete -c gearman -n '__gearman_state bench' -l keep-jobs -d 'Leave the jobs the run did not complete'
complete -c gearman -n '__gearman_state bench' -l help -s H -d 'Print the options and exit'
complete -c gearman -n '__gearman_state bench' -l version -s V -d 'Print the version and exit'

# gearman-server and gearman-bench: the completions of `gearman server` and `gearman bench`
# (fish completes a wrapped command line as if it had been typed).
complete -c gearman-server -f -w 'gearman server'
complete -c gearman-bench -f -w 'gearman bench'
