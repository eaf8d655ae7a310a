#!/usr/bin/env bash
# File workflow benchmark (issue: file import workflow). On SQLite, with the server at -Xmx512m (BENCH_HEAP):
#   1. a generated vendor CSV of about 100 MB (BENCH_ROWS rows, default 420,000): FastCSV alone reads every field,
#      then the service parses it (curl's total time: upload over loopback, preview and row count); best of 3 each;
#      prints both and the ratio (goal <= 2.0);
#   2. the parsed CSV executed in the background (every column mapped, update by external_id); time;
#   3. a 1,000,000-row XLSX (BENCH_XLSX_ROWS): parse, then execute in the background; time;
#   and the server's peak heap over the whole run (jstat).  Usage: bench/parse.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
ROWS=${BENCH_ROWS:-420000}
XROWS=${BENCH_XLSX_ROWS:-1000000}
HEAP=${BENCH_HEAP:-512m}
KEY="parse-bench-key-0123456789abcdef"

JDK=$(find_jdk); JAVA="$JDK/bin/java"
WORK=$(mktemp -d /tmp/freight-parse-bench.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT
build_jar
(cd "$WORK" && unzip -q -o -j "$JAR" 'BOOT-INF/lib/fastcsv-*.jar' -d "$WORK") || die "no FastCSV in the jar"
CP=$(ls "$WORK"/fastcsv-*.jar)
bench() { "$JAVA" -cp "$CP" "$ROOT/bench/ParseBench.java" "$@"; }
# parse FILE TYPE: curl posts the file (curl adds the least client time); prints seconds, rows and fileId
parse() {
    local out
    out=$(curl -s -w '\n%{http_code} %{time_total}' -X POST "$SERVER_URL/v1/modules/vendors/import/parse" \
        -H "Authorization: Bearer $KEY" -F "file=@$1;type=$2")
    local status=$(echo "$out" | tail -1 | cut -d' ' -f1) secs=$(echo "$out" | tail -1 | cut -d' ' -f2)
    [ "$status" = 200 ] || die "parse answered $status: $(echo "$out" | head -1 | cut -c1-300)"
    printf 'seconds=%.2f rows=%s fileId=%s\n' "$secs" \
        "$(echo "$out" | head -1 | sed -E 's/.*"totalRows":([0-9]+).*/\1/')" \
        "$(echo "$out" | head -1 | sed -E 's/.*"fileId":"([^"]+)".*/\1/')"
}
seconds_of() { echo "$1" | sed -E 's/^seconds=([0-9.]+).*/\1/'; }
best() { printf '%s\n' "$@" | sort -n | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

say "generating $ROWS rows (CSV) and $XROWS rows (XLSX)"
"$JAVA" "$ROOT/bench/ImportBench.java" generate --rows "$ROWS" --variant 0 --out "$WORK/vendors.csv"
"$JAVA" "$ROOT/bench/ImportBench.java" generate --rows "$XROWS" --variant 1 --out "$WORK/vendors-x.csv"
"$JAVA" "$ROOT/bench/ImportBench.java" xlsx --csv "$WORK/vendors-x.csv" --out "$WORK/vendors.xlsx"
echo "CSV $(du -h "$WORK/vendors.csv" | cut -f1), XLSX $(du -h "$WORK/vendors.xlsx" | cut -f1)"

start_server "$HEAP" "$WORK/server.log" FREIGHT_DATA_DIR="$WORK/data" FREIGHT_BOOTSTRAP_API_KEY="$KEY"
sample_heap "$SERVER_PID" "$WORK/heap" &
wait_heap_samples "$WORK/heap"

say "FastCSV alone vs parse (best of 3)"
F=(); P=()
for i in 1 2 3; do
    line=$(bench fastcsv --file "$WORK/vendors.csv"); echo "   fastcsv: $line"; F+=("$(seconds_of "$line")")
    line=$(parse "$WORK/vendors.csv" text/csv); echo "   parse:   $line"
    P+=("$(seconds_of "$line")"); FILE_ID=$(echo "$line" | sed -E 's/.*fileId=([^ ]+).*/\1/')
done
FAST=$(best "${F[@]}"); PARSE=$(best "${P[@]}")

say "execute the CSV (background)"
line=$(bench execute --url "$SERVER_URL" --key "$KEY" --file-id "$FILE_ID"); echo "   $line"; EXEC=$(seconds_of "$line")

say "XLSX: parse, then execute (background)"
line=$(parse "$WORK/vendors.xlsx" application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)
echo "   parse:   $line"
XPARSE=$(seconds_of "$line"); XFILE=$(echo "$line" | sed -E 's/.*fileId=([^ ]+).*/\1/')
line=$(bench execute --url "$SERVER_URL" --key "$KEY" --file-id "$XFILE"); echo "   execute: $line"; XEXEC=$(seconds_of "$line")
stop_server

say "results (SQLite, server -Xmx$HEAP, peak heap $(peak_heap "$WORK/heap") MiB)"
printf '%-28s %8ss\n' "FastCSV read ($ROWS rows)" "$FAST"
printf '%-28s %8ss  %sx FastCSV (goal <= 2.0)\n' "parse (upload+preview+count)" "$PARSE" "$(ratio "$PARSE" "$FAST")"
printf '%-28s %8ss  %s rows/s\n' "execute CSV" "$EXEC" "$(awk -v r="$ROWS" -v s="$EXEC" 'BEGIN { printf "%.0f", r / s }')"
printf '%-28s %8ss\n' "parse XLSX ($XROWS rows)" "$XPARSE"
printf '%-28s %8ss  %s rows/s\n' "execute XLSX" "$XEXEC" "$(awk -v r="$XROWS" -v s="$XEXEC" 'BEGIN { printf "%.0f", r / s }')"
