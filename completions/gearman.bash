# bash completion for gearman(1), and for gearman-server and gearman-bench, the
# executables that `gearman server` and `gearman bench` run.   -*- shell-script -*-
#
# Install as /usr/share/bash-completion/completions/gearman (and the same file,
# or a link to it, as gearman-server and gearman-bench there), or source it
# from ~/.bashrc.  Works on its own; uses bash-completion's helpers when they
# are loaded (better handling of host:port words, completion of the worker
# command's own arguments).

# Flags of the classic command line, with their descriptions.
_gearman_flags() {
    cat <<'EOF'
-b	run jobs in the background
-c	worker: exit after COUNT jobs (0 = never)
-d	run as a daemon
-f	function name (repeatable)
-h	job server host[:port][,host[:port]...]
-H	print help and exit
-V	print the version and exit
-i	write the process id to PIDFILE
-I	run jobs at high priority
-L	run jobs at low priority
-n	one job per line / worker: one packet per output line
-N	like -n, but strip the newline
-p	job server port (default 4730)
-P	prefix output with the function name
-s	send an empty workload without reading stdin
-S	use TLS
-t	timeout in milliseconds (negative = forever)
-u	unique key for every job
-v	print "Task created" for each job
-w	run in worker mode
-j	worker: run up to N jobs at once
--id	worker: the client id admin workers shows
--job-timeout	worker: stop a command still running after SECONDS
--concurrency	worker: run up to N jobs at once
--shutdown-timeout	worker: on SIGTERM, let running jobs finish for SECONDS
--exceptions	worker: end a failing job with WORK_EXCEPTION
--window	client: with -n/-N, jobs in flight at once
--json	client: one JSON object per job
--help	print help and exit
--version	print the version and exit
EOF
}

# Complete the last element of a comma-separated host list.
_gearman_hosts() {
    local word=$1 prefix="" last
    if [[ $word == *,* ]]; then
        prefix=${word%,*},
        last=${word##*,}
    else
        last=$word
    fi
    # A port is being typed; nothing useful to offer.
    [[ $last == *:* ]] && return 0
    local host
    while IFS= read -r host; do
        [[ -n $host ]] && COMPREPLY+=("$prefix$host")
    done < <(compgen -A hostname -- "$last")
}

# The words of the command line, with the pieces bash split at ':' (part of
# COMP_WORDBREAKS) joined again, so "-h gm1:4730" stays two words.  Sets
# words and cword.
_gearman_words() {
    words=()
    cword=$COMP_CWORD
    local line=${COMP_LINE-} k piece skipped
    if [[ -z $line ]]; then
        words=("${COMP_WORDS[@]}")
        return 0
    fi
    for ((k = 0; k < ${#COMP_WORDS[@]}; k++)); do
        piece=${COMP_WORDS[k]}
        skipped=0
        while [[ $line == [[:space:]]* ]]; do
            line=${line:1}
            skipped=1
        done
        if [[ $line != "$piece"* ]]; then
            # Not the line we expected; use bash's words as they are.
            words=("${COMP_WORDS[@]}")
            cword=$COMP_CWORD
            return 0
        fi
        line=${line:${#piece}}
        if ((k > 0 && skipped == 0)); then
            words[${#words[@]}-1]+=$piece
        else
            words+=("$piece")
        fi
        ((k == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    return 0
}

# Candidates hold the whole word, but bash replaces only the part after the
# last ':'; drop what bash will keep.
_gearman_ltrim_colon() {
    local word=$1
    [[ $word == *:* && $COMP_WORDBREAKS == *:* ]] || return 0
    local keep=${word%"${word##*:}"}
    local k
    for ((k = 0; k < ${#COMPREPLY[@]}; k++)); do
        COMPREPLY[k]=${COMPREPLY[k]#"$keep"}
    done
}

_gearman_files() {
    compopt -o filenames 2>/dev/null
    local file
    while IFS= read -r file; do
        COMPREPLY+=("$1$file")
    done < <(compgen -f -- "$2")
}

# `gearman server`: gearmand's options; files, levels and users for their values.
_gearman_server() {
    local cur=$1 previous=$2
    case $previous in
        -P | --pid-file | -l | --log-file | --config-file | --libsqlite3-db | --sqlite | \
            --ssl-certificate | --ssl-key | --ssl-ca-file)
            COMPREPLY=($(compgen -f -- "$cur")) ;;
        --verbose)
            COMPREPLY=($(compgen -W 'FATAL ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG' -- "$cur")) ;;
        -r | --protocol)
            COMPREPLY=($(compgen -W 'http' -- "$cur")) ;;
        -q | --queue-type)
            COMPREPLY=($(compgen -W 'builtin libsqlite3 postgres' -- "$cur")) ;;
        -u | --user)
            COMPREPLY=($(compgen -u -- "$cur")) ;;
        *)
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W '--port --listen --backlog --daemon --pid-file --log-file --verbose --job-retries --job-handle-prefix --exceptions --keepalive --keepalive-idle --keepalive-interval --keepalive-count --file-descriptors --user --queue-type --libsqlite3-db --libsqlite3-table --sqlite --libpq-conninfo --libpq-table --store-queue-on-shutdown --http-port --protocol --config-file --threads --worker-wakeup --round-robin --hashtable-buckets --max-packet-size --shutdown-timeout --ssl --ssl-certificate --ssl-key --ssl-ca-file --ssl-verify-client --admin-allow --max-unique-size --max-function-size --max-queue-bytes --max-output-bytes --output-stall-timeout --max-connections --wakeup-retry --http-job-timeout --http-request-timeout --http-max-connections --retries --retry-backoff --retry-backoff-max --dead-jobs --dead-jobs-bytes --check-args --help --version' -- "$cur")) ;;
    esac
}

_gearman() {
    local cur words cword
    COMPREPLY=()
    _gearman_words
    # gearman-server and gearman-bench complete as `gearman server` and `gearman bench`.
    local name=${words[0]##*/}
    case $name in
        gearman-server | gearman-bench)
            words=(gearman "${name#gearman-}" "${words[@]:1}")
            ((cword++))
            ;;
    esac
    cur=${words[cword]}

    # The subcommand word, offered only in first position.
    if ((cword == 1)) && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -W 'admin bench server status top' -- "$cur"))
        [[ ${#COMPREPLY[@]} -gt 0 || -z $cur ]] && return 0
    fi
    if ((cword > 1)) && [[ ${words[1]} == server ]]; then
        _gearman_server "$cur" "${words[cword - 1]}"
        return 0
    fi
    if ((cword > 1)) && [[ ${words[1]} == top ]]; then
        case ${words[cword - 1]} in
            -h | --host) _gearman_hosts "$cur" ;;
            -s | --sort) COMPREPLY=($(compgen -W 'name queued running workers change dead' -- "$cur")) ;;
            --ssl-ca-file | --ssl-certificate | --ssl-key) COMPREPLY=($(compgen -f -- "$cur")) ;;
            -p | --port | -i | --interval | -n | --count) ;;
            *) [[ $cur == -* ]] && COMPREPLY=($(compgen -W '--host --port --ssl --ssl-ca-file --ssl-certificate --ssl-key --interval --sort --count --help --version' -- "$cur")) ;;
        esac
        return 0
    fi
    if ((cword > 1)) && [[ ${words[1]} == status ]]; then
        case ${words[cword - 1]} in
            -h | --host) _gearman_hosts "$cur" ;;
            --ssl-ca-file | --ssl-certificate | --ssl-key) COMPREPLY=($(compgen -f -- "$cur")) ;;
            -p | --port | -u | --unique | -f | --function) ;;
            *) [[ $cur == -* ]] && COMPREPLY=($(compgen -W '--host --port --ssl --ssl-ca-file --ssl-certificate --ssl-key --unique --function --json --help --version' -- "$cur")) ;;
        esac
        return 0
    fi
    if ((cword > 1)) && [[ ${words[1]} == bench ]]; then
        case ${words[cword - 1]} in
            -h | --host) _gearman_hosts "$cur" ;;
            --unique) COMPREPLY=($(compgen -W 'none distinct' -- "$cur")) ;;
            --ssl-ca-file | --ssl-certificate | --ssl-key) COMPREPLY=($(compgen -f -- "$cur")) ;;
            -p | --port | -c | --connections | -d | --depth | -w | --workers | --worker-depth | -n | --jobs | \
                --seconds | --payload | --functions | --function-prefix | --threads) ;;
            *)
                if [[ $cur == -* ]]; then
                    COMPREPLY=($(compgen -W '--host --port --connections --depth --workers --worker-depth --jobs --seconds --payload --unique --functions --function-prefix --keep-jobs --threads --json --allow-remote --ssl --ssl-ca-file --ssl-certificate --ssl-key --help --version' -- "$cur"))
                    return 0
                fi
                # The scenario, once.
                local k
                for ((k = 2; k < cword; k++)); do
                    case ${words[k]} in submit | drain | e2e | rtt) return 0 ;; esac
                done
                COMPREPLY=($(compgen -W 'submit drain e2e rtt' -- "$cur"))
                ;;
        esac
        return 0
    fi
    if ((cword > 1)) && [[ ${words[1]} == admin ]]; then
        case ${words[cword - 1]} in
            -h | --host) _gearman_hosts "$cur" ;;
            --ssl-ca-file | --ssl-certificate | --ssl-key) COMPREPLY=($(compgen -f -- "$cur")) ;;
            -p | --port | --cancel-job | --create-function | --drop-function | --maxqueue | --retry-dead | --retry-dead-function | --drop-dead | --retries) ;;
            *) [[ $cur == -* ]] && COMPREPLY=($(compgen -W '--host --port --ssl --ssl-ca-file --ssl-certificate --ssl-key --status --priority-status --workers --server-version --server-verbose --getpid --show-jobs --show-unique-jobs --cancel-job --create-function --drop-function --maxqueue --dead --retry-dead --retry-dead-function --drop-dead --retries --shutdown --graceful --json --help --version' -- "$cur")) ;;
        esac
        return 0
    fi

    # Walk the words before the cursor the way getopt does (GNU permutation:
    # options may follow operands until "--").
    local i w j ch worker=0 ended=0 operands=0 command_index=-1 want_value=""
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $want_value ]]; then
            want_value=""
            continue
        fi
        if ((ended == 0)) && [[ $w == -- ]]; then
            ended=1
            continue
        fi
        if ((ended == 0 && command_index < 0)); then
            case $w in
                --id | --job-timeout | --concurrency | --shutdown-timeout | --window) want_value=long; continue ;;
                --id=* | --job-timeout=* | --concurrency=* | --shutdown-timeout=* | --window=*) continue ;;
            esac
        fi
        if ((ended == 0 && command_index < 0)) && [[ $w == -?* ]]; then
            for ((j = 1; j < ${#w}; j++)); do
                ch=${w:j:1}
                case $ch in
                    w) worker=1 ;;
                    [cfhptuij])
                        ((j == ${#w} - 1)) && want_value=$ch
                        break
                        ;;
                esac
            done
            continue
        fi
        operands=$((operands + 1))
        if ((command_index < 0)) && ((worker == 1 || ended == 1)); then
            command_index=$i
        fi
    done

    # The value of an option given as a separate word.
    case $want_value in
        h) _gearman_hosts "$cur"; _gearman_ltrim_colon "$cur"; return 0 ;;
        i) _gearman_files "" "$cur"; return 0 ;;
        c|f|p|t|u|long) return 0 ;;  # free values
    esac

    # Words of the worker's command: hand over to that command's completion.
    if ((command_index >= 0)); then
        if declare -F _command_offset >/dev/null 2>&1; then
            _command_offset $((COMP_CWORD - (cword - command_index)))
        else
            _gearman_files "" "$cur"
        fi
        return 0
    fi

    # The command itself: after "--", or the first operand of a worker.
    if ((ended == 1 || worker == 1)) && [[ $cur != -* || ended == 1 ]]; then
        COMPREPLY=($(compgen -c -- "$cur" | sort -u))
        return 0
    fi

    if [[ $cur == -* && $ended == 0 ]]; then
        # A value joined to its option, as in -hHOST or -bi/tmp/pid.
        if [[ $cur =~ ^-[bdHILnNPsSvw]*h(.*)$ ]]; then
            local head=${cur%"${BASH_REMATCH[1]}"}
            _gearman_hosts "${BASH_REMATCH[1]}"
            ((${#COMPREPLY[@]})) && COMPREPLY=("${COMPREPLY[@]/#/$head}")
            _gearman_ltrim_colon "$cur"
            return 0
        fi
        if [[ $cur =~ ^-[bdHILnNPsSvw]*i(.+)$ ]]; then
            _gearman_files "${cur%"${BASH_REMATCH[1]}"}" "${BASH_REMATCH[1]}"
            return 0
        fi
        if [[ $cur =~ ^-[bdHILnNPsSvw]*[cfptu]. ]]; then
            return 0
        fi
        local flag flags=()
        while IFS=$'\t' read -r flag _; do
            flags+=("$flag")
        done < <(_gearman_flags)
        COMPREPLY=($(compgen -W "${flags[*]}" -- "$cur"))
        # Offer "--" once an operand or option is there to end.
        [[ $cur == - || $cur == -- ]] && COMPREPLY+=(--)
        return 0
    fi

    # Client-mode data operands are free text.
    return 0
} &&
    complete -F _gearman gearman gearman-server gearman-bench

# ex: filetype=sh
