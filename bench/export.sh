#!/usr/bin/env bash
# Export benchmark (issue 5). Loads BENCH_ROWS vendor records (default 1,000,000) straight into PostgreSQL, then
# through the running service (-Xmx256m, BENCH_HEAP) exports them as CSV (streamed in the answer: "async": false) and
# as XLSX, and in the same run times
#   psql -c "\copy (select <the same columns> from records … order by id) to stdout"
# of the same rows. Prints each time, the ratio of the CSV export to \copy (goal <= 1.5) and the server's peak heap
# (jstat every 250 ms; goal: under 256 MB). The CSV export is timed twice: the server's first export (cold JVM: it
# pays the JIT compilation of the export path) and the next one (a running service); BENCH_WARMUP_EXPORTS=N runs N
# untimed exports before both. Usage: bench/export.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
ROWS=${BENCH_ROWS:-1000000}
HEAP=${BENCH_HEAP:-256m}
KEY="export-bench-key-0123456789abcdef"

JDK=$(find_jdk); JAVA="$JDK/bin/java"
WORK=$(mktemp -d /tmp/freight-export-bench.XXXXXX); chmod 755 "$WORK"
trap 'stop_server; stop_postgres; rm -rf "$WORK"' EXIT
build_jar

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

start_postgres "$WORK/pg"
psql_run -c "create database freight"
start_server "$HEAP" "$WORK/server.log" FREIGHT_DATA_DIR="$WORK/data" FREIGHT_BOOTSTRAP_API_KEY="$KEY" \
    FREIGHT_DATABASE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/freight" FREIGHT_DATABASE_USER=postgres
ORG=$(psql_run -d freight -At -c "select id from organizations where slug = 'default'")

say "loading $ROWS vendor records"
start=$(date +%s.%N)
psql_run -d freight -c "insert into records (id, organization_id, object, external_id, data, created_at, updated_at)
    select 'vndr_' || lpad(to_hex(i), 32, '0'), '$ORG', 'vendor', 'vendor-' || i,
        jsonb_build_object('name', 'Vendor ' || i || ', Inc.', 'status', (array['active', 'onboarding', 'inactive'])[1 + i % 3],
            'website', 'https://vendor' || i || '.example.com', 'raw_irq_score', round((i % 1000) / 10.0, 1),
            'hq_location', 'San Francisco, CA', 'business_unit', 'Procurement',
            'next_assessment_date', to_char(date '2025-01-01' + (i % 365), 'YYYY-MM-DD')),
        1735689600000 + i, 1735689600000 + i
    from generate_series(1, $ROWS) i" -c "vacuum analyze records"
echo "loaded in $(elapsed "$start") s"

COLUMNS='["external_id", "name", "status", "website", "raw_irq_score", "next_assessment_date", "createdDateTime"]'
sample_heap "$SERVER_PID" "$WORK/heap" &
wait_heap_samples "$WORK/heap"

for i in $(seq "${BENCH_WARMUP_EXPORTS:-0}"); do # untimed CSV exports first, to see the export without JIT warm-up
    say "untimed warm-up CSV export $i"
    curl -sf -X POST "$SERVER_URL/v1/modules/vendors/export" -H "Authorization: Bearer $KEY" \
        -H "Content-Type: application/json" -d "{\"format\": \"csv\", \"async\": false, \"config\": {\"columns\": $COLUMNS}}" -o /dev/null
done

say "CSV export through the service"
start=$(date +%s.%N)
curl -sf -X POST "$SERVER_URL/v1/modules/vendors/export" -H "Authorization: Bearer $KEY" \
    -H "Content-Type: application/json" -d "{\"format\": \"csv\", \"async\": false, \"config\": {\"columns\": $COLUMNS}}" \
    -o "$WORK/export.csv"
CSV=$(elapsed "$start")
echo "csv: $CSV s, $(du -h "$WORK/export.csv" | cut -f1), $(($(wc -l < "$WORK/export.csv") - 1)) rows"

say "CSV export through the service, again"
start=$(date +%s.%N)
curl -sf -X POST "$SERVER_URL/v1/modules/vendors/export" -H "Authorization: Bearer $KEY" \
    -H "Content-Type: application/json" -d "{\"format\": \"csv\", \"async\": false, \"config\": {\"columns\": $COLUMNS}}" \
    -o "$WORK/export2.csv"
CSV2=$(elapsed "$start")
cmp -s "$WORK/export.csv" "$WORK/export2.csv" || die "the two CSV exports differ"
echo "csv: $CSV2 s"

say "XLSX export through the service"
start=$(date +%s.%N)
curl -sf -X POST "$SERVER_URL/v1/modules/vendors/export" -H "Authorization: Bearer $KEY" \
    -H "Content-Type: application/json" -d "{\"format\": \"xlsx\", \"async\": false, \"config\": {\"columns\": $COLUMNS}}" \
    -o "$WORK/export.xlsx"
XLSX=$(elapsed "$start")
echo "xlsx: $XLSX s, $(du -h "$WORK/export.xlsx" | cut -f1)"
HEAP_PEAK=$(peak_heap "$WORK/heap")
stop_server

say "psql \\copy of the same rows"
start=$(date +%s.%N)
psql_run -d freight -c "\\copy (select external_id, data ->> 'name', data ->> 'status', data ->> 'website',
    data ->> 'raw_irq_score', data ->> 'next_assessment_date', created_at from records
    where organization_id = '$ORG' and object = 'vendor' order by id) to stdout with (format csv, header true)" \
    > "$WORK/copy.csv"
COPY=$(elapsed "$start")
echo "copy: $COPY s, $(du -h "$WORK/copy.csv" | cut -f1)"

say "results ($ROWS rows, server -Xmx$HEAP, ${BENCH_WARMUP_EXPORTS:-0} untimed CSV exports before the timed one)"
printf '%-22s %8ss\n' "psql \\copy to stdout" "$COPY"
printf '%-22s %8ss  %sx copy (goal <= 1.5)\n' "CSV export, first" "$CSV" "$(ratio "$CSV" "$COPY")"
printf '%-22s %8ss  %sx copy (goal <= 1.5)\n' "CSV export, second" "$CSV2" "$(ratio "$CSV2" "$COPY")"
printf '%-22s %8ss  %sx copy\n' "XLSX export" "$XLSX" "$(ratio "$XLSX" "$COPY")"
printf '%-22s %8s MiB (goal < 256)\n' "server peak heap" "$HEAP_PEAK"
