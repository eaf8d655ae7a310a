# Shared shell functions of the benchmarks: sourced, not run. Finds a JDK and PostgreSQL, starts and stops a
# throwaway PostgreSQL cluster and the Freight server, samples the server's heap. Loopback only.

die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }

find_jdk() { # JAVA_HOME if it is 21+, else the newest JDK 21+ under /usr/lib/jvm
    local dir v best="" best_v=0
    for dir in ${JAVA_HOME:-} /usr/lib/jvm/*; do
        [ -x "$dir/bin/javac" ] || continue
        v=$("$dir/bin/javac" -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
        [[ "$v" =~ ^[0-9]+$ ]] || continue
        if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$dir best_v=$v; fi
    done
    [ -n "$best" ] || die "no JDK 21 or newer in JAVA_HOME or /usr/lib/jvm"
    echo "$best"
}

find_pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)"
    echo "$dir"
}

free_port() {
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 40000))
        (exec 3<> "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port"
}

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres DIR: a fresh cluster in DIR on a free port; sets PG_BIN, PG_DIR, PG_PORT
start_postgres() {
    PG_BIN=$(find_pg_bin)
    PG_DIR=$1
    PG_PORT=$(free_port)
    mkdir -p "$PG_DIR"
    [ "$(id -u)" -ne 0 ] || chown postgres "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 > "$PG_DIR/initdb.log" 2>&1 \
        || die "initdb failed: $(cat "$PG_DIR/initdb.log")"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR -c shared_buffers=512MB -c max_wal_size=4GB ${BENCH_PG_OPTS:-}" \
        > /dev/null || die "PostgreSQL did not start: $(tail -5 "$PG_DIR/server.log")"
}

# BENCH_PG_LOG=FILE keeps a copy of the server's log (e.g. with BENCH_PG_OPTS naming auto_explain's settings)
stop_postgres() {
    [ -n "${BENCH_PG_LOG:-}" ] && [ -f "${PG_DIR:-}/server.log" ] && cp "$PG_DIR/server.log" "$BENCH_PG_LOG"
    [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] \
        && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null 2>&1
    return 0
}

psql_run() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }

# start_server HEAP LOG [ENV=VALUE...]: the jar on a free port; sets SERVER_PID, SERVER_URL; waits for health
start_server() {
    local heap=$1 log=$2 port
    shift 2
    port=$(free_port)
    env "$@" SERVER_PORT="$port" "${SERVER_ARGS[0]}" -Xmx"$heap" ${BENCH_JAVA_OPTS:-} "${SERVER_ARGS[@]:1}" > "$log" 2>&1 &
    SERVER_PID=$!
    SERVER_URL="http://127.0.0.1:$port"
    for _ in $(seq 300); do
        curl -sf "$SERVER_URL/actuator/health" > /dev/null 2>&1 && return
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -20 "$log")"
        sleep 0.2
    done
    die "the server did not become healthy: $(tail -20 "$log")"
}

stop_server() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

# sample_heap PID FILE: appends used heap (MiB) every 250 ms until PID ends; run in the background. One jstat samples
# at that interval: starting a jstat JVM per sample cost the measured server's machine ~0.1 CPU-s each time.
sample_heap() {
    "$JDK/bin/jstat" -gc "$1" 250 2>/dev/null | awk 'NR > 1 {printf "%.0f\n", ($3+$4+$6+$8)/1024; fflush()}' >> "$2"
}

# wait_heap_samples FILE: waits for the sampler's first sample, then a second more: jstat is a JVM whose start-up
# (~0.3 CPU-s) would otherwise run on the measured machine's two cores during whatever is timed next.
wait_heap_samples() {
    for _ in $(seq 300); do
        if [ -s "$1" ]; then sleep 1; return; fi
        sleep 0.1
    done
    die "the heap sampler wrote nothing in 30 s"
}

peak_heap() { sort -n "$1" | tail -1; }

# build_jar: builds target/freight.jar unless BENCH_SKIP_BUILD=1 and it exists, then sets SERVER_ARGS (server_args).
build_jar() {
    JAR="$ROOT/target/freight.jar"
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$JAR" ]; then
        say "building the jar"
        (cd "$ROOT" && JAVA_HOME="$JDK" PATH="$JDK/bin:$PATH" mvn -q -B -DskipTests package) || die "build failed"
    fi
    server_args
}

# server_args: sets SERVER_ARGS, the java command and arguments that start $JAR as `./freight start` does: the
# extracted jar and, on JDK 25 or newer, the ahead-of-time cache of its training run (made once per build).
# BENCH_AOT=0: $JAVA with the plain jar and no cache, as before session 24.
server_args() {
    if [ "${BENCH_AOT:-1}" = 0 ]; then
        SERVER_ARGS=("$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR")
    else
        local args
        args=$(JAVA_HOME="$JDK" "$ROOT/freight" prepare) || die "./freight prepare failed"
        mapfile -t SERVER_ARGS <<< "$args"
    fi
    say "the server runs: ${SERVER_ARGS[*]}"
}
