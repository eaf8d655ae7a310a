#!/usr/bin/env bash
# Import benchmark (issue: phased import engine). One run does, on one generated 12-column vendor CSV
# (BENCH_ROWS rows, default 1,000,000, about 230 MB):
#   PostgreSQL: fresh load, all-update re-load and unchanged re-load through the running service (Imports resource:
#   create, signed upload, background run), and psql \copy of the same file into a typed table with a primary key;
#   prints each time and the ratio to \copy. It also COPYs the same rows as Freight stores them (typed JSON) into a
#   records-shaped table with the records table's indexes: the floor of the table design, with no Freight code.
#   The cluster's WAL is warmed by one untimed records-shaped load first, and every timed step starts from a checkpoint.
#   SQLite: fresh load, all-update and unchanged re-loads, rows/s.   Both: then the rollback of the all-update (it
#   restores every record; timed, no goal), an overwrite with the first 90 % of the updated rows (updates them, and
#   its cleanup deletes the other 10 %; timed, no goal), and the server's peak heap (jstat) over all of it.
#   xlsx: the same rows as an XLSX (every text cell in the shared-strings table) imported on SQLite with the server at
#   -Xmx512m (BENCH_XLSX_HEAP); time and peak heap.
# The server runs with -Xmx256m (BENCH_HEAP). Usage: bench/import.sh [postgresql|sqlite|xlsx|both|all]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
ROWS=${BENCH_ROWS:-1000000}
HEAP=${BENCH_HEAP:-256m}
KEY="import-bench-key-0123456789abcdef"
WHICH=${1:-both}
case "$WHICH" in postgresql | sqlite | xlsx | both | all) ;; *) die "unknown argument \"$WHICH\" (postgresql, sqlite, xlsx, both or all)" ;; esac

JDK=$(find_jdk); JAVA="$JDK/bin/java"
WORK=$(mktemp -d /tmp/freight-import-bench.XXXXXX); chmod 755 "$WORK"
trap 'stop_server; stop_postgres; rm -rf "$WORK"' EXIT
build_jar

say "generating $ROWS rows"
"$JAVA" "$ROOT/bench/ImportBench.java" generate --rows "$ROWS" --variant 0 --out "$WORK/vendors.csv"
"$JAVA" "$ROOT/bench/ImportBench.java" generate --rows "$ROWS" --variant 1 --out "$WORK/vendors-updated.csv"
# The overwrite's file: the first 90 % of the updated rows. After the rollback of the all-update it updates those
# records and its cleanup deletes the other 10 %, walking every record of the object.
head -n $((ROWS * 9 / 10 + 1)) "$WORK/vendors-updated.csv" > "$WORK/vendors-overwrite.csv"
chmod 644 "$WORK"/*.csv
echo "file: $(du -h "$WORK/vendors.csv" | cut -f1)"
# The generated files' dirty pages are written back now, not during the first timed import.
sync

run_import() { # FILE [ACTION] → prints the ImportBench line; sets SECONDS_TAKEN, IMPORT_ID and CLEANUP_TAKEN
    local line
    line=$("$JAVA" "$ROOT/bench/ImportBench.java" run --url "$SERVER_URL" --key "$KEY" --file "$1" --action "${2:-merge}")
    echo "   $line"
    SECONDS_TAKEN=$(echo "$line" | sed -E 's/^seconds=([0-9.]+).*/\1/')
    IMPORT_ID=$(echo "$line" | sed -E 's/.* id=([a-z0-9_]+)$/\1/')
    CLEANUP_TAKEN=$(echo "$line" | sed -nE 's/.* cleanup_seconds=([0-9]+) .*/\1/p')
}

run_rollback() { # IMPORT_ID → prints the ImportBench line; sets SECONDS_TAKEN (the bench stops if it is not 200)
    local line
    line=$("$JAVA" "$ROOT/bench/ImportBench.java" rollback --url "$SERVER_URL" --key "$KEY" --id "$1") \
        || die "the rollback of $1 failed"
    echo "   $line"
    SECONDS_TAKEN=$(echo "$line" | sed -E 's/^seconds=([0-9.]+).*/\1/')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

if [ "$WHICH" = postgresql ] || [ "$WHICH" = both ] || [ "$WHICH" = all ]; then
    say "PostgreSQL"
    start_postgres "$WORK/pg"
    psql_run -c "create database freight" -c "create database copybench"
    "$JAVA" "$ROOT/bench/ImportBench.java" records --csv "$WORK/vendors.csv" --out "$WORK/vendors.tsv"
    chmod 644 "$WORK/vendors.tsv"
    sync
    create_records_table() { # the records-shaped table of the floor, in copybench
        psql_run -d copybench -c "create table records (id text collate \"C\" primary key, organization_id text not null,
            object text not null, external_id text, data jsonb not null, created_at bigint not null,
            updated_at bigint not null, version bigint not null default 1, created_by_import text,
            unique (organization_id, object, external_id)) with (fillfactor = 50)"
    }
    # A new cluster creates (and zeroes) each WAL segment the first time it is needed; a running one recycles them.
    # Whichever load ran first paid about 2.5 s for that (measured with the floor's COPY: 10.17 s first, 7.71 and
    # 7.73 s after). One untimed records-shaped load first, so every timed step below writes into recycled segments.
    create_records_table
    psql_run -d copybench -c "\\copy records (id, organization_id, object, external_id, data, created_at, updated_at) from '$WORK/vendors.tsv'"
    psql_run -d copybench -c "drop table records"
    # Each timed step starts from a checkpoint, so none pays for writing out the pages of the step before.
    settle() { psql_run -c "checkpoint"; }
    start_server "$HEAP" "$WORK/server-pg.log" FREIGHT_DATA_DIR="$WORK/data-pg" FREIGHT_BOOTSTRAP_API_KEY="$KEY" \
        FREIGHT_DATABASE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/freight" FREIGHT_DATABASE_USER=postgres
    sample_heap "$SERVER_PID" "$WORK/heap-pg" &
    wait_heap_samples "$WORK/heap-pg"
    settle; echo "fresh load:";      run_import "$WORK/vendors.csv";         FRESH=$SECONDS_TAKEN
    settle; echo "all-update load:"; run_import "$WORK/vendors-updated.csv"; UPDATE=$SECONDS_TAKEN; UPDATE_ID=$IMPORT_ID
    settle; echo "unchanged load:";  run_import "$WORK/vendors-updated.csv"; SAME=$SECONDS_TAKEN
    settle; echo "rollback of the all-update:"; run_rollback "$UPDATE_ID"; ROLLBACK=$SECONDS_TAKEN
    settle; echo "overwrite (90 % of the rows):"; run_import "$WORK/vendors-overwrite.csv" overwrite; OVERWRITE=$SECONDS_TAKEN; CLEANUP=$CLEANUP_TAKEN
    stop_server
    psql_run -d copybench -c "create table vendors (external_id text primary key, name text, website text,
        status text, hq_location text, raw_irq_score numeric, raw_residual_risk_score numeric, business_unit text,
        enterprise boolean, vendor_category text, next_assessment_date date, contract_length text)"
    settle
    start=$(date +%s.%N)
    psql_run -d copybench -c "\\copy vendors from '$WORK/vendors.csv' with (format csv, header true)"
    COPY=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    # The floor of the table design: the same rows as Freight stores them, COPYed straight into a records-shaped
    # table with the records table's indexes (no Freight code at all).
    create_records_table
    settle
    start=$(date +%s.%N)
    psql_run -d copybench -c "\\copy records (id, organization_id, object, external_id, data, created_at, updated_at) from '$WORK/vendors.tsv'"
    FLOOR=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    stop_postgres
    say "PostgreSQL results ($ROWS rows, server -Xmx$HEAP, peak heap $(peak_heap "$WORK/heap-pg") MiB)"
    printf '%-18s %8ss\n' "psql \\copy" "$COPY"
    printf '%-18s %8ss  %sx copy (the same rows as stored JSON, COPYed into a records-shaped table: the floor)\n' \
        "records COPY" "$FLOOR" "$(ratio "$FLOOR" "$COPY")"
    printf '%-18s %8ss  %sx copy (goal <= 1.7)\n' "fresh" "$FRESH" "$(ratio "$FRESH" "$COPY")"
    printf '%-18s %8ss  %sx copy (goal <= 2.2)\n' "all-update" "$UPDATE" "$(ratio "$UPDATE" "$COPY")"
    printf '%-18s %8ss  %sx copy (goal <= 1.0)\n' "unchanged" "$SAME" "$(ratio "$SAME" "$COPY")"
    printf '%-18s %8ss  (restores every record; no goal)\n' "rollback" "$ROLLBACK"
    printf '%-18s %8ss  (updates 90 %%, then its cleanup deletes 10 %% in %s s; no goal)\n' "overwrite" "$OVERWRITE" "$CLEANUP"
fi

if [ "$WHICH" = sqlite ] || [ "$WHICH" = both ] || [ "$WHICH" = all ]; then
    say "SQLite"
    # After the PostgreSQL half, its server's three stored uploads (about 700 MB, never fsynced) are still being written
    # back; they are written now, not during the SQLite fresh load.
    sync
    start_server "$HEAP" "$WORK/server-sqlite.log" FREIGHT_DATA_DIR="$WORK/data-sqlite" FREIGHT_BOOTSTRAP_API_KEY="$KEY"
    sample_heap "$SERVER_PID" "$WORK/heap-sqlite" &
    wait_heap_samples "$WORK/heap-sqlite"
    echo "fresh load:";      run_import "$WORK/vendors.csv";         FRESH=$SECONDS_TAKEN
    echo "all-update load:"; run_import "$WORK/vendors-updated.csv"; UPDATE=$SECONDS_TAKEN; UPDATE_ID=$IMPORT_ID
    echo "unchanged load:";  run_import "$WORK/vendors-updated.csv"; SAME=$SECONDS_TAKEN
    echo "rollback of the all-update:"; run_rollback "$UPDATE_ID"; ROLLBACK=$SECONDS_TAKEN
    echo "overwrite (90 % of the rows):"; run_import "$WORK/vendors-overwrite.csv" overwrite; OVERWRITE=$SECONDS_TAKEN; CLEANUP=$CLEANUP_TAKEN
    stop_server
    rows_per_second() { awk -v r="$ROWS" -v s="$1" 'BEGIN { printf "%.0f", r / s }'; }
    say "SQLite results ($ROWS rows, server -Xmx$HEAP, peak heap $(peak_heap "$WORK/heap-sqlite") MiB)"
    printf '%-18s %8ss  %s rows/s (goal >= 100,000)\n' "fresh" "$FRESH" "$(rows_per_second "$FRESH")"
    printf '%-18s %8ss  %s rows/s\n' "all-update" "$UPDATE" "$(rows_per_second "$UPDATE")"
    printf '%-18s %8ss  %s rows/s\n' "unchanged" "$SAME" "$(rows_per_second "$SAME")"
    printf '%-18s %8ss  (restores every record; no goal)\n' "rollback" "$ROLLBACK"
    printf '%-18s %8ss  (updates 90 %%, then its cleanup deletes 10 %% in %s s; no goal)\n' "overwrite" "$OVERWRITE" "$CLEANUP"
fi

if [ "$WHICH" = xlsx ] || [ "$WHICH" = all ]; then
    say "XLSX on SQLite"
    "$JAVA" "$ROOT/bench/ImportBench.java" xlsx --csv "$WORK/vendors.csv" --out "$WORK/vendors.xlsx"
    chmod 644 "$WORK/vendors.xlsx"
    echo "file: $(du -h "$WORK/vendors.xlsx" | cut -f1)"
    XHEAP=${BENCH_XLSX_HEAP:-512m}
    start_server "$XHEAP" "$WORK/server-xlsx.log" FREIGHT_DATA_DIR="$WORK/data-xlsx" FREIGHT_BOOTSTRAP_API_KEY="$KEY"
    sample_heap "$SERVER_PID" "$WORK/heap-xlsx" &
    wait_heap_samples "$WORK/heap-xlsx"
    echo "fresh load:"; run_import "$WORK/vendors.xlsx"; FRESH=$SECONDS_TAKEN
    stop_server
    say "XLSX results ($ROWS rows, server -Xmx$XHEAP, peak heap $(peak_heap "$WORK/heap-xlsx") MiB)"
    printf '%-18s %8ss  %s rows/s\n' "fresh" "$FRESH" "$(awk -v r="$ROWS" -v s="$FRESH" 'BEGIN { printf "%.0f", r / s }')"
fi
