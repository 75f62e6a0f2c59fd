#!/usr/bin/env bash
# Run N replicas of Cross-Entropy Playground behind nginx on this machine, with session affinity.
#
#   deploy/local_cluster.sh N [--port P] [--bind ADDR] [--store sqlite|redis]
#                                                         start N replicas and nginx on ADDR:P (127.0.0.1:8080);
#                                                         runs in the foreground until Ctrl-C or SIGTERM
#   deploy/local_cluster.sh restart K [--port P]         restart replica K of the cluster running on port P
#   deploy/local_cluster.sh status [--port P]            list that cluster's replicas and their health
#
# Replica K listens on 127.0.0.1 on the first free port above P and is pinned to core K with taskset when the
# machine has that core (K < nproc); the others are not pinned. nginx runs in the foreground as the user who runs
# this script (no root needed; run as root, its workers drop to nobody), with no system config: its config, pid,
# logs and temp files are in a temp dir (TMPDIR, default /tmp: ce-cluster-P.XXXXXX), which also holds each
# replica's log and pid file (replica-K.log, replica-K.pid). On exit, for whatever reason (Ctrl-C, SIGTERM, an
# error), the script stops every process it started, by PID, and removes that dir.
#
# Class mode's store (rooms, questions, answers), shared by every replica: by default the environment's (CE_STORE,
# CE_DATA_DIR; unset: one SQLite file in <temp dir>/cross-entropy-playground, which replicas on one machine share);
# --store redis starts a local redis-server on a free loopback port (no disk: --save "", no AOF), passes
# CE_STORE=redis://127.0.0.1:PORT/0 to the replicas and stops it on exit; --store sqlite ignores CE_STORE.
#
# Python: $CE_PYTHON if set, else the active virtualenv's, else the repo's .venv, else python3.
# Replicas run from the repo root (Streamlit reads .streamlit/config.toml from the working directory), with the
# same command line as deploy/Dockerfile. Works from any working directory.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true  # bash 5.2: keep '&' literal in ${var//pattern/replacement}

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
TEMPLATE="$SCRIPT_DIR/nginx.conf.template"
PROG=${CE_PROG:-deploy/local_cluster.sh}
START_TIMEOUT=${CE_START_TIMEOUT:-90}  # seconds for one replica to answer its health check
STOP_GRACE=${CE_STOP_GRACE:-10}        # seconds between SIGTERM and SIGKILL

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

note() {
    echo "$PROG: $*" >&2
}

is_uint() {
    [[ $1 =~ ^(0|[1-9][0-9]{0,8})$ ]]  # no leading zero: bash arithmetic would read it as octal
}

# in_range VALUE MIN MAX: VALUE is a whole number from MIN to MAX.
in_range() {
    is_uint "$1" && (($1 >= $2 && $1 <= $3))
}

# ---------------------------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------------------------
find_python() {
    if [[ -n ${CE_PYTHON:-} ]]; then
        PY=$CE_PYTHON
    elif [[ -n ${VIRTUAL_ENV:-} && -x $VIRTUAL_ENV/bin/python ]]; then
        PY=$VIRTUAL_ENV/bin/python
    elif [[ -x $REPO_ROOT/.venv/bin/python ]]; then
        PY=$REPO_ROOT/.venv/bin/python
    elif command -v python3 >/dev/null 2>&1; then
        PY=$(command -v python3)
    else
        die "no python found: install python3, or set CE_PYTHON"
    fi
    "$PY" -c 'import streamlit' 2>/dev/null \
        || die "$PY cannot import streamlit: run 'pip install -r requirements.txt' in $REPO_ROOT (or set CE_PYTHON)"
}

find_nginx() {
    # /usr/sbin is not on a normal user's PATH on Debian. `command -v` may name a file that cannot be run.
    local candidate
    NGINX=""
    for candidate in "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx; do
        if [[ -n $candidate && -f $candidate && -x $candidate ]]; then
            NGINX=$candidate
            break
        fi
    done
    [[ -n $NGINX ]] || die "nginx is not installed: apt-get install nginx (Debian/Ubuntu; its system service is not used and can stay stopped)"
}

# GET a URL; print the body. Fails on a connection error or an HTTP error status.
http_get() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 3 "$1"
    else
        "${PY:-python3}" - "$1" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    sys.stdout.write(response.read().decode())
EOF
    fi
}

healthy() {
    [[ $(http_get "http://$1/_stcore/health" 2>/dev/null) == ok ]]
}

port_free() {
    "$PY" - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit and nginx do: TIME_WAIT does not count
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

alive() {
    [[ -n $1 ]] && kill -0 "$1" 2>/dev/null
}

# True if PID is a child of this shell (a replica or nginx it started), so a PID that the kernel has since given
# to another process is never signalled. Without /proc, trust the PID.
our_child() {
    local stat ppid
    [[ -r /proc/$1/stat ]] || { [[ ! -d /proc/self ]]; return; }
    stat=$(</proc/"$1"/stat) || return 1
    stat=${stat##*) }  # drop "pid (comm) ", comm may hold spaces
    read -r _ ppid _ <<<"$stat"
    [[ $ppid == "$$" ]]
}

# Send SIGTERM to the given PIDs, wait up to STOP_GRACE seconds, then SIGKILL what is left.
stop_pids() {
    local pid live=() left=() i
    for pid in "$@"; do
        if alive "$pid" && our_child "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            live+=("$pid")
        fi
    done
    ((${#live[@]})) || return 0
    for ((i = 0; i < STOP_GRACE * 10; i++)); do
        left=()
        for pid in "${live[@]}"; do
            if alive "$pid"; then left+=("$pid"); fi
        done
        ((${#left[@]})) || break
        sleep 0.1
    done
    for pid in "${left[@]}"; do
        if alive "$pid"; then
            note "pid $pid did not stop after ${STOP_GRACE}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    # Reap our children so no zombie outlives this call (harmless for PIDs that are not our children).
    for pid in "${live[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}

# ---------------------------------------------------------------------------------------------------------------
# Replicas
# ---------------------------------------------------------------------------------------------------------------
# Start replica K in the background; its PID goes to replica-K.pid.
start_replica() {
    local k=$1 port=${PORTS[$1]} pin=()
    if ((k < NCPU)) && command -v taskset >/dev/null 2>&1; then
        pin=(taskset -c "$k")
    fi
    (
        cd -- "$REPO_ROOT"
        exec "${pin[@]}" "$PY" -m streamlit run app.py \
            --server.headless true --server.port "$port" --server.address 127.0.0.1 \
            --browser.gatherUsageStats false
    ) </dev/null >>"$DIR/replica-$k.log" 2>&1 &
    echo "$!" >"$DIR/replica-$k.pid"
}

replica_pid() {
    cat -- "$DIR/replica-$1.pid" 2>/dev/null || true
}

# Wait until replica K answers its health check; fail if it exits or takes longer than START_TIMEOUT.
wait_replica() {
    local k=$1 pid deadline
    pid=$(replica_pid "$k")
    deadline=$((SECONDS + START_TIMEOUT))
    until healthy "127.0.0.1:${PORTS[$k]}"; do
        if ! alive "$pid"; then
            echo "--- last lines of $DIR/replica-$k.log:" >&2
            tail -n 20 -- "$DIR/replica-$k.log" >&2 || true
            note "replica $k (pid $pid, port ${PORTS[$k]}) exited before it was healthy"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            note "replica $k (pid $pid) did not answer http://127.0.0.1:${PORTS[$k]}/_stcore/health within ${START_TIMEOUT}s"
            return 1
        fi
        sleep 0.3
    done
}

# Stop replica K (if it runs) and start it again on the same port and core.
restart_replica() {
    local k=$1
    stop_pids "$(replica_pid "$k")"
    echo "--- restarted $(date '+%F %T')" >>"$DIR/replica-$k.log"
    start_replica "$k"
    wait_replica "$k"
}

# SIGUSR1 from `restart K`: handle every pending restart-K.request; the result goes to restart-K.result.
on_restart_request() {
    local req k
    for req in "$DIR"/restart-*.request; do
        [[ -e $req ]] || continue
        k=${req##*/restart-}
        k=${k%.request}
        rm -f -- "$req"
        if ! is_uint "$k" || ((k >= N)); then
            echo "failed: no replica $k" >"$DIR/restart-$k.result"
            continue
        fi
        note "restarting replica $k"
        if restart_replica "$k"; then
            note "replica $k restarted: pid $(replica_pid "$k")"
            echo "ok $(replica_pid "$k")" >"$DIR/restart-$k.result"
        else
            echo "failed: see $DIR/replica-$k.log" >"$DIR/restart-$k.result"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------------
# Class mode's store
# ---------------------------------------------------------------------------------------------------------------
redis_answers() {
    "$PY" - "$1" <<'EOF2'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
EOF2
}

# --store redis: a redis-server of our own on the first free loopback port above the replicas', for the replicas.
start_redis() {
    local binary port deadline
    binary=$(command -v redis-server 2>/dev/null || true)
    [[ -n $binary ]] || die "--store redis needs redis-server: apt-get install redis-server (its system service is not used)"
    port=$((${PORTS[N - 1]} + 1))
    until port_free 127.0.0.1 "$port"; do
        port=$((port + 1))
        ((port <= 65535)) || die "no free port for redis-server"
    done
    "$binary" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" \
        </dev/null >>"$DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    deadline=$((SECONDS + 10))
    until redis_answers "$port"; do
        alive "$REDIS_PID" || die "redis-server exited at start: see $DIR/redis.log"
        ((SECONDS < deadline)) || die "redis-server did not answer on 127.0.0.1:$port within 10s"
        sleep 0.1
    done
    export CE_STORE="redis://127.0.0.1:$port/0"
}

choose_store() {
    case $STORE in
        redis) start_redis ;;
        sqlite) unset CE_STORE ;;
        "") ;;
        *) die "--store must be sqlite or redis, not '$STORE'" ;;
    esac
    if [[ -n ${CE_STORE:-} ]]; then
        STORE_TEXT="$CE_STORE"
    else
        STORE_TEXT="SQLite in ${CE_DATA_DIR:-$("$PY" -c 'import tempfile; print(tempfile.gettempdir())')/cross-entropy-playground} (WAL, one file for every replica)"
    fi
    echo "$STORE_TEXT" >"$DIR/store"
}

# ---------------------------------------------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------------------------------------------
write_nginx_conf() {
    local k j share pinned="" served="" split="" upstreams="" user_directive="" conf
    for ((k = 0; k < N; k++)); do
        pinned+="        r$k ce_r$k;
"
        served+="        \"~(^|[ ,])127\\.0\\.0\\.1:${PORTS[$k]}\$\" r$k;
"
        if ((k < N - 1)); then
            share=$((10000 / N))  # in hundredths of a percent: split_clients takes two decimals
            split+="        $((share / 100)).$(printf '%02d' $((share % 100)))% ce_r$k;
"
        else
            split+="        * ce_r$k;
"
        fi
        upstreams+="    # Browsers pinned to replica $k; when it is down, the others (and the response re-pins the browser).
    upstream ce_r$k {
        server 127.0.0.1:${PORTS[$k]} max_fails=1 fail_timeout=5s;
"
        for ((j = 1; j < N; j++)); do
            upstreams+="        server 127.0.0.1:${PORTS[$(((k + j) % N))]} max_fails=1 fail_timeout=5s backup;
"
        done
        upstreams+="    }

"
    done
    if ((EUID == 0)); then
        # A root master runs its workers as `user` (Debian's build defaults to nobody:nogroup; stated here so the
        # chmod of the temp dir below is not a guess). Run by any other user, nginx stays that user.
        user_directive="user nobody nogroup;"
    fi
    conf=$(<"$TEMPLATE")
    conf=${conf//@USER_DIRECTIVE@/"$user_directive"}
    conf=${conf//@LISTEN@/"$BIND:$PORT"}
    conf=${conf//@SPLIT@/"${split%$'\n'}"}
    conf=${conf//@PINNED_MAP@/"${pinned%$'\n'}"}
    conf=${conf//@SERVED_MAP@/"${served%$'\n'}"}
    conf=${conf//@UPSTREAMS@/"${upstreams%$'\n\n'}"}
    printf '%s\n' "$conf" >"$DIR/nginx.conf"
}

start_nginx() {
    local nginx_args=(-p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log")
    "$NGINX" "${nginx_args[@]}" -t -q || die "nginx rejected $DIR/nginx.conf (see above)"
    "$NGINX" "${nginx_args[@]}" -g 'daemon off;' </dev/null &
    NGINX_PID=$!
    local deadline=$((SECONDS + 10))
    until healthy "$URL_HOST"; do
        alive "$NGINX_PID" || die "nginx exited at start: see $DIR/logs/error.log"
        ((SECONDS < deadline)) || die "no answer through nginx at http://$URL_HOST/_stcore/health within 10s"
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------------------------
# The running cluster's dir, for restart and status
# ---------------------------------------------------------------------------------------------------------------
find_cluster_dir() {
    local d found=()
    if [[ -n ${CE_CLUSTER_DIR:-} ]]; then
        DIR=$CE_CLUSTER_DIR
    else
        for d in "${TMPDIR:-/tmp}"/ce-cluster-"$PORT".*; do
            [[ -f $d/supervisor.pid ]] && alive "$(<"$d/supervisor.pid")" && found+=("$d")
        done
        ((${#found[@]})) || die "no cluster is running on port $PORT (looked for ${TMPDIR:-/tmp}/ce-cluster-$PORT.*; set CE_CLUSTER_DIR or --port)"
        ((${#found[@]} == 1)) || die "several clusters on port $PORT: ${found[*]}; set CE_CLUSTER_DIR"
        DIR=${found[0]}
    fi
    [[ -f $DIR/supervisor.pid && -f $DIR/replicas ]] || die "$DIR is not a cluster dir"
    SUPERVISOR=$(<"$DIR/supervisor.pid")
    alive "$SUPERVISOR" || die "the cluster of $DIR (pid $SUPERVISOR) is not running"
}

cmd_status() {
    local k port cpu pid state
    find_cluster_dir
    echo "cluster dir $DIR, supervisor pid $SUPERVISOR, class store: $(cat -- "$DIR/store" 2>/dev/null || echo '?')"
    while read -r k port cpu; do
        pid=$(cat -- "$DIR/replica-$k.pid" 2>/dev/null || true)
        if alive "$pid" && healthy "127.0.0.1:$port"; then state=healthy; elif alive "$pid"; then state=starting/unhealthy; else state=down; fi
        echo "replica $k: port $port, cpu $cpu, pid ${pid:-?}, $state"
    done <"$DIR/replicas"
}

cmd_restart() {
    local k=$1 result="" deadline
    is_uint "$k" || die "restart: K must be a replica number (0, 1, ...), not '$k'"
    find_cluster_dir
    grep -q "^$k " -- "$DIR/replicas" || die "restart: the cluster has no replica $k (see: $PROG status --port $PORT)"
    rm -f -- "$DIR/restart-$k.result"
    : >"$DIR/restart-$k.request"
    kill -USR1 "$SUPERVISOR"
    echo "asked the cluster (pid $SUPERVISOR) to restart replica $k; waiting..."
    deadline=$((SECONDS + START_TIMEOUT + STOP_GRACE + 10))
    until [[ -s $DIR/restart-$k.result ]]; do
        ((SECONDS < deadline)) || die "no answer from the cluster within $((START_TIMEOUT + STOP_GRACE + 10))s"
        alive "$SUPERVISOR" || die "the cluster stopped"
        sleep 0.3
    done
    result=$(<"$DIR/restart-$k.result")
    rm -f -- "$DIR/restart-$k.result"
    [[ $result == ok* ]] || die "restart of replica $k $result"
    echo "replica $k restarted: pid ${result#ok }"
}

# ---------------------------------------------------------------------------------------------------------------
# Start
# ---------------------------------------------------------------------------------------------------------------
DIR=""
NGINX_PID=""
SLEEP_PID=""
REDIS_PID=""

cleanup() {
    local rc=$? pids=() k
    trap - EXIT INT TERM HUP USR1
    if [[ -n $DIR && -d $DIR ]]; then
        [[ -n $NGINX_PID ]] && pids+=("$NGINX_PID")
        for ((k = 0; k < ${N:-0}; k++)); do
            pids+=("$(replica_pid "$k")")
        done
        [[ -n $SLEEP_PID ]] && pids+=("$SLEEP_PID")
        [[ -n $REDIS_PID ]] && pids+=("$REDIS_PID")  # after the replicas: they may still write to it
        note "stopping what this script started (pids ${pids[*]})"
        stop_pids "${pids[@]}"
        rm -rf -- "$DIR"
    fi
    exit "$rc"
}

cmd_start() {
    in_range "$N" 1 64 || die "N must be a number of replicas from 1 to 64, not '$N'"
    [[ $STORE =~ ^(|sqlite|redis)$ ]] || die "--store must be sqlite or redis, not '$STORE'"
    [[ -r $TEMPLATE ]] || die "missing $TEMPLATE"
    find_nginx
    find_python
    port_free "$BIND" "$PORT" || die "port $PORT on $BIND is in use: choose another with --port"
    NCPU=$(nproc 2>/dev/null || echo 1)

    # Replica ports: the first N free ports above the proxy's port.
    PORTS=()
    local candidate=$((PORT + 1)) k
    while ((${#PORTS[@]} < N)); do
        ((candidate <= 65535)) || die "no $N free ports above $PORT"
        if port_free 127.0.0.1 "$candidate"; then PORTS+=("$candidate"); fi
        candidate=$((candidate + 1))
    done

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/ce-cluster-$PORT.XXXXXX")
    mkdir -p -- "$DIR/logs" "$DIR/tmp"
    if ((EUID == 0)); then
        chmod 711 -- "$DIR"  # nginx's workers run as nobody and must reach tmp/ (uploads over 16 KB)
    fi
    echo "$$" >"$DIR/supervisor.pid"
    : >"$DIR/replicas"
    for ((k = 0; k < N; k++)); do
        echo "$k ${PORTS[$k]} $( ((k < NCPU)) && echo "$k" || echo any)" >>"$DIR/replicas"
    done
    trap on_restart_request USR1
    choose_store

    note "starting $N replicas with $PY (logs in $DIR), class store: $STORE_TEXT"
    for ((k = 0; k < N; k++)); do
        start_replica "$k"
    done
    for ((k = 0; k < N; k++)); do
        wait_replica "$k" || die "replica $k did not start"
    done

    URL_HOST="$BIND:$PORT"
    [[ $BIND == 0.0.0.0 ]] && URL_HOST="127.0.0.1:$PORT"
    write_nginx_conf
    start_nginx

    echo
    echo "Cross-Entropy Playground: $N replicas behind nginx"
    echo "  open       http://$URL_HOST/"
    while read -r k port cpu; do
        echo "  replica $k  pid $(replica_pid "$k"), http://127.0.0.1:$port, cpu $cpu, log $DIR/replica-$k.log"
    done <"$DIR/replicas"
    echo "  nginx      pid $NGINX_PID, config $DIR/nginx.conf, logs $DIR/logs/"
    echo "  class store $STORE_TEXT${REDIS_PID:+ (redis-server pid $REDIS_PID)}"
    echo "  restart    $SCRIPT_DIR/restart_replica.sh K --port $PORT"
    echo "  status     $SCRIPT_DIR/local_cluster.sh status --port $PORT"
    echo "  stop       Ctrl-C, or kill -TERM $$"
    echo

    # Watch: nginx must stay up; a replica that dies is reported once (its browsers fail over to the others).
    local reported=() pid
    while :; do
        sleep 1 &
        SLEEP_PID=$!
        wait "$SLEEP_PID" 2>/dev/null || true  # returns early when a signal arrives, so its trap runs at once
        SLEEP_PID=""
        alive "$NGINX_PID" || die "nginx (pid $NGINX_PID) exited: see $DIR/logs/error.log"
        [[ -z $REDIS_PID ]] || alive "$REDIS_PID" || die "redis-server (pid $REDIS_PID) exited: see $DIR/redis.log"
        for ((k = 0; k < N; k++)); do
            pid=$(replica_pid "$k")
            if alive "$pid"; then
                reported[k]=""
            elif [[ ${reported[k]:-} != "$pid" ]]; then
                note "replica $k (pid $pid) is down; its browsers fail over to the others. Restart it: $SCRIPT_DIR/restart_replica.sh $k --port $PORT"
                reported[k]=$pid
            fi
        done
    done
}

# ---------------------------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------------------------
PORT=8080
BIND=127.0.0.1
STORE=""
COMMAND=""
ARG=""
while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --port) (($# >= 2)) || die "--port needs a value"; PORT=$2; shift 2 ;;
        --port=*) PORT=${1#--port=}; shift ;;
        --bind) (($# >= 2)) || die "--bind needs a value"; BIND=$2; shift 2 ;;
        --bind=*) BIND=${1#--bind=}; shift ;;
        --store) (($# >= 2)) || die "--store needs a value"; STORE=$2; shift 2 ;;
        --store=*) STORE=${1#--store=}; shift ;;
        restart | status)
            [[ -z $COMMAND ]] || die "unexpected '$1'"
            COMMAND=$1; shift ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *)
            [[ -z $ARG ]] || die "unexpected argument '$1' (see --help)"
            ARG=$1; shift ;;
    esac
done
in_range "$PORT" 1 65535 || die "--port must be a port number, not '$PORT'"

case $COMMAND in
    restart)
        [[ -n $ARG ]] || die "usage: $PROG restart K [--port P]"
        cmd_restart "$ARG" ;;
    status)
        [[ -z $ARG ]] || die "usage: $PROG status [--port P]"
        cmd_status ;;
    *)
        [[ -n $ARG ]] || { usage >&2; exit 2; }
        N=$ARG
        cmd_start ;;
esac
