#!/usr/bin/env bash
# Load benchmark of the JSON Import API on SQLite and on PostgreSQL. See bench/README.md.
#
#   bench/load.sh                 # both databases
#   bench/load.sh sqlite          # or: postgresql
#
# Settings (environment): BENCH_RECORDS (200000), BENCH_BATCH (1000), BENCH_CLIENTS (4), BENCH_WARMUP (50000
# unmeasured records first; 0 = measure a cold server), BENCH_SKIP_BUILD=1 (reuse target/freight.jar),
# BENCH_JFR_DIR=DIR (record a JFR profile of each server into DIR), BENCH_KEEP=1 (keep the temp dir),
# BENCH_STRICT=1 (exit 3 when the goal is missed), BENCH_WAIT_QUIET=SECONDS (wait up to that long before each database
# until other processes use < 15% CPU).
#
# Everything listens on 127.0.0.1 only; the servers, the PostgreSQL cluster and the temp dirs are removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# For server_args (how the service is started); this script's own functions below replace lib.sh's others.
source "$ROOT/bench/lib.sh"
RECORDS=${BENCH_RECORDS:-200000}
BATCH=${BENCH_BATCH:-1000}
CLIENTS=${BENCH_CLIENTS:-4}
WARMUP=${BENCH_WARMUP:-50000}
GOAL_RATE=30000
GOAL_P99_MS=300
KEY="bench-$(date +%s)-0123456789abcdefghij"
REPORT=vendor-bench

say() { printf '\n== %s\n' "$*"; }
die() { printf 'load.sh: %s\n' "$*" >&2; exit 1; }

DATABASES=()
for arg in "$@"; do
    case "$arg" in
        sqlite | postgresql) DATABASES+=("$arg") ;;
        both) DATABASES+=(sqlite postgresql) ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument \"$arg\" (expected sqlite, postgresql or both)" ;;
    esac
done
[ ${#DATABASES[@]} -gt 0 ] || DATABASES=(sqlite postgresql)

# ------------------------------------------------------------------------------------------------ tools

javac_major() { # prints the major version of DIR/bin/javac, or nothing
    local out
    out=$("$1/bin/javac" -version 2>&1) || return 0
    out=${out#javac }
    out=${out%%[.+-]*}
    [[ "$out" =~ ^[0-9]+$ ]] && echo "$out"
    return 0
}

find_jdk() {
    local v
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        v=$(javac_major "$JAVA_HOME")
        if [ -n "$v" ] && [ "$v" -ge 21 ]; then
            echo "$JAVA_HOME"
            return
        fi
    fi
    local best="" best_v=0 dir
    for dir in /usr/lib/jvm/*; do
        [ -x "$dir/bin/javac" ] || continue
        v=$(javac_major "$dir")
        if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
            best=$dir best_v=$v
        fi
    done
    [ -n "$best" ] || die "no JDK 21 or newer: JAVA_HOME is ${JAVA_HOME:-unset} and /usr/lib/jvm/* has none (install one, e.g. a temurin-21/25 JDK, or set JAVA_HOME)"
    echo "$best"
}

find_pg_bin() { # the newest /usr/lib/postgresql/N/bin with initdb and pg_ctl, else pg_config's; may be empty
    local dir v best="" best_v=-1
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || continue
        v=${dir#/usr/lib/postgresql/}
        v=${v%%/*}
        [[ "$v" =~ ^[0-9]+$ ]] || v=0
        if [ "$v" -gt "$best_v" ]; then best=$dir best_v=$v; fi
    done
    if [ -z "$best" ] && command -v pg_config > /dev/null; then
        dir=$(pg_config --bindir)
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then best=$dir; fi
    fi
    echo "$best"
}

free_port() { # a port nobody listens on now, from 20000-59999
    local p _
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then
            echo "$p"
            return
        fi
    done
    die "found no free port"
}

now_ns() { date +%s%N; }

machine_busy() { # percent of all CPUs busy over $1 seconds, from /proc/stat (others' load before we start)
    local u n sy i w q sq st t0 i0 t1 i1
    read -r _ u n sy i w q sq st _ < /proc/stat
    t0=$((u + n + sy + i + w + q + sq + st)) i0=$((i + w))
    sleep "$1"
    read -r _ u n sy i w q sq st _ < /proc/stat
    t1=$((u + n + sy + i + w + q + sq + st)) i1=$((i + w))
    echo $((100 - 100 * (i1 - i0) / (t1 - t0)))
}

note_background() { # NAME: record and report what else keeps the CPUs busy before this database's run
    local b waited=0
    b=$(machine_busy 3)
    while [ "$b" -gt 15 ] && [ "$waited" -lt "${BENCH_WAIT_QUIET:-0}" ]; do # optional: wait for a quiet machine
        echo "machine busy ($b%); waiting for it to calm down ($waited of ${BENCH_WAIT_QUIET} s)"
        b=$(machine_busy 3)
        waited=$((waited + 3))
    done
    echo "$b" > "$WORK/$1-background"
    echo "CPU busy before start (other processes): $b%"
    if [ "$b" -gt 15 ]; then
        echo "WARNING: the machine is busy with other work; the figures below will be low and noisy" >&2
    fi
}

command -v curl > /dev/null || die "curl is needed to poll the health endpoint"
JDK=$(find_jdk)
JAVA="$JDK/bin/java"
echo "JDK: $JDK ($("$JAVA" -version 2>&1 | head -1))"

# ------------------------------------------------------------------------------------------------ cleanup

WORK=$(mktemp -d /tmp/freight-bench.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=""
PG_DIR=""
PG_BIN=""

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.2; done
        kill -9 "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    SERVER_PID=""
}

stop_postgres() {
    if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null 2>&1 || true
    fi
}

cleanup() {
    local rc=$?
    stop_server
    stop_postgres
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------------ build

JAR="$ROOT/target/freight.jar"
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -f "$JAR" ]; then
    say "reusing $JAR (BENCH_SKIP_BUILD=1)"
else
    say "building $JAR"
    command -v mvn > /dev/null || die "mvn (Maven) is needed to build the jar"
    (cd "$ROOT" && JAVA_HOME="$JDK" PATH="$JDK/bin:$PATH" mvn -q -B package -DskipTests) || die "the build failed"
fi
[ -f "$JAR" ] || die "no $JAR after the build"
server_args

# The same records as CSV for the raw-database baseline.
CSV="$WORK/records.csv"
"$JAVA" "$ROOT/bench/LoadBench.java" --csv "$CSV" --records "$RECORDS" > /dev/null

# ------------------------------------------------------------------------------------------------ service

start_server() { # NAME, then extra environment as NAME=VALUE words
    local name=$1
    shift
    local port
    port=$(free_port)
    local jfr=()
    if [ -n "${BENCH_JFR_DIR:-}" ]; then
        mkdir -p "$BENCH_JFR_DIR"
        jfr=("-XX:StartFlightRecording=filename=$BENCH_JFR_DIR/freight-$name.jfr,settings=profile,dumponexit=true")
    fi
    mkdir -p "$WORK/$name-data"
    env "$@" SERVER_PORT="$port" SERVER_ADDRESS=127.0.0.1 FREIGHT_DATA_DIR="$WORK/$name-data" \
        FREIGHT_BOOTSTRAP_API_KEY="$KEY" \
        "${SERVER_ARGS[0]}" -Xmx1g ${BENCH_JAVA_OPTS:-} "${jfr[@]}" "${SERVER_ARGS[@]:1}" > "$WORK/$name-server.log" 2>&1 &
    SERVER_PID=$!
    URL="http://127.0.0.1:$port"
    local started
    started=$(now_ns)
    until curl -sf "$URL/actuator/health" 2> /dev/null | grep -q '"UP"'; do
        if ! kill -0 "$SERVER_PID" 2> /dev/null; then
            tail -40 "$WORK/$name-server.log" >&2
            die "the $name server exited during start-up (log above)"
        fi
        if [ $(($(now_ns) - started)) -gt 120000000000 ]; then
            tail -40 "$WORK/$name-server.log" >&2
            die "the $name server was not healthy after 120 s (log above)"
        fi
        sleep 0.3
    done
    echo "server up on $URL (pid $SERVER_PID) after $((($(now_ns) - started) / 1000000)) ms"
}

run_load() { # NAME
    local out="$WORK/$1-load.txt"
    if ! "$JAVA" "$ROOT/bench/LoadBench.java" --url "$URL" --key "$KEY" --report "$REPORT" --create-report \
        --records "$RECORDS" --batch "$BATCH" --clients "$CLIENTS" --warmup "$WARMUP" \
        --latencies "$WORK/$1-latencies.csv" | tee "$out"; then
        tail -40 "$WORK/$1-server.log" >&2
        die "the load benchmark failed on $1 (server log above)"
    fi
    grep '^RESULT ' "$out" > "$WORK/$1-result" || die "LoadBench printed no RESULT line"
    grep '^WARMUP ' "$out" > "$WORK/$1-warmup" || true
}

field() { # FILE KEY → value of KEY=value in the file's line
    [ -f "$1" ] || return 0
    tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"
}

# ------------------------------------------------------------------------------------------------ SQLite

bench_sqlite() {
    say "SQLite"
    note_background sqlite
    start_server sqlite
    run_load sqlite
    stop_server

    say "SQLite baseline: sqlite3 .import of the same $RECORDS rows"
    if command -v sqlite3 > /dev/null; then
        local db="$WORK/baseline.db" t0 t1
        sqlite3 "$db" "pragma journal_mode=wal;" \
            "create table bench_baseline (external_id text primary key, data text not null);" > /dev/null
        t0=$(now_ns)
        sqlite3 -cmd "pragma synchronous=normal;" "$db" ".import --csv $CSV bench_baseline"
        t1=$(now_ns)
        local n
        n=$(sqlite3 "$db" "select count(*) from bench_baseline")
        [ "$n" = "$RECORDS" ] || die "the SQLite baseline stored $n rows, expected $RECORDS"
        echo "baseline_s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')" > "$WORK/sqlite-baseline"
        cat "$WORK/sqlite-baseline"
    else
        echo "sqlite3 CLI not installed: no SQLite baseline"
    fi
}

# ------------------------------------------------------------------------------------------------ PostgreSQL

bench_postgresql() {
    say "PostgreSQL"
    PG_BIN=$(find_pg_bin)
    [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin: install postgresql, or run: bench/load.sh sqlite"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres > /dev/null 2>&1 || die "running as root, but there is no postgres user to run the cluster as"
    fi
    PG_DIR="$WORK/pg"
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; fi
    local port
    port=$(free_port)
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        > "$WORK/pg-initdb.log" 2>&1 || { cat "$WORK/pg-initdb.log" >&2; die "initdb failed"; }
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR" start > /dev/null \
        || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres freight_bench
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (stock settings)"

    note_background postgresql
    start_server postgresql FREIGHT_DATABASE_URL="jdbc:postgresql://127.0.0.1:$port/freight_bench" \
        FREIGHT_DATABASE_USER=postgres FREIGHT_DATABASE_PASSWORD=
    run_load postgresql
    stop_server

    say "PostgreSQL baseline: psql \\copy of the same $RECORDS rows"
    local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d freight_bench)
    "${psql[@]}" -c "create table bench_baseline (external_id text primary key, data jsonb not null)"
    local t0 t1 n
    t0=$(now_ns)
    "${psql[@]}" -c "\\copy bench_baseline from '$CSV' with (format csv)"
    t1=$(now_ns)
    n=$("${psql[@]}" -A -t -c "select count(*) from bench_baseline")
    [ "$n" = "$RECORDS" ] || die "the PostgreSQL baseline stored $n rows, expected $RECORDS"
    echo "baseline_s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')" > "$WORK/postgresql-baseline"
    cat "$WORK/postgresql-baseline"
    stop_postgres
    PG_DIR=""
}

for db in "${DATABASES[@]}"; do
    "bench_$db"
done

# ------------------------------------------------------------------------------------------------ summary

say "Summary: $RECORDS records, $BATCH per batch, $CLIENTS clients, warm-up $WARMUP records, $(nproc) CPUs"
printf '%-11s %10s %8s %8s %8s %8s %9s %9s %11s %11s %7s %7s  %s\n' database records/s wall_s p50_ms p99_ms \
    max_ms created updated warmup_r/s baseline_s ratio other% goal
missed=0
for db in "${DATABASES[@]}"; do
    r="$WORK/$db-result"
    rate=$(field "$r" records_per_s)
    p99=$(field "$r" p99_ms)
    base=$(field "$WORK/$db-baseline" baseline_s)
    wall=$(field "$r" wall_s)
    if [ -n "$base" ]; then
        ratio=$(awk -v a="$wall" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    else
        base="-" ratio="-"
    fi
    if awk -v r="$rate" -v p="$p99" -v gr=$GOAL_RATE -v gp=$GOAL_P99_MS 'BEGIN { exit !(r >= gr && p < gp) }'; then
        goal="met"
    else
        goal="MISSED (>= $GOAL_RATE rec/s, p99 < $GOAL_P99_MS ms)"
        missed=1
    fi
    printf '%-11s %10s %8s %8s %8s %8s %9s %9s %11s %11s %7s %7s  %s\n' "$db" "$rate" "$wall" \
        "$(field "$r" p50_ms)" "$p99" "$(field "$r" max_ms)" "$(field "$r" created)" "$(field "$r" updated)" \
        "$(field "$WORK/$db-warmup" records_per_s)" "$base" "$ratio" "$(cat "$WORK/$db-background")" "$goal"
done
echo "ratio = service wall time / raw database load time (baseline) for the same rows; lower is better"
echo "other% = CPU busy with other processes in the 3 s before the server started (should be near 0)"
if [ "$missed" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
    exit 3
fi
