#!/usr/bin/env bash
# Time to draw a chart of a 1,000,000-point metric history (`mltui plot`) against the time to
# only read those points (`mltui history --format csv > /dev/null`, the floor), for the file
# store and the SQLite store. The stores are written once with the real MLflow client and
# cached in bench-out/chart-1m (git-ignored). Target: plot within 1.5x of the floor.
#   scripts/bench_chart.sh [POINTS]     (default 1000000; another count uses its own cache)
set -euo pipefail
cd "$(dirname "$0")/.."
POINTS=${1:-1000000}
PY=${MLFLOW_PYTHON:-$(cd "$(dirname "$0")/.." && pwd)/.venv-mlflow/bin/python}
DATA=bench-out/chart-$POINTS
[ "$POINTS" = 1000000 ] && DATA=bench-out/chart-1m
if [ ! -f "$DATA/ids" ]; then
    echo "writing $POINTS points per store with the real mlflow client (once; cached in $DATA)…" >&2
    rm -rf "$DATA.partial"
    "$PY" scripts/bench_chart_data.py "$DATA.partial" "$POINTS" | grep -E '^(fs|sqlite) ' > "$DATA.partial/ids.tmp"
    mv "$DATA.partial/ids.tmp" "$DATA.partial/ids"
    rm -rf "$DATA"; mv "$DATA.partial" "$DATA"
fi
swift build -c release --product mltui >&2
BIN=$(swift build -c release --show-bin-path)/mltui

# Best of 3 wall-clock seconds of a command, output discarded.
best() {
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
        best=$(echo "$t0 $t1 ${best:-1e9}" | awk '{d=$2-$1; print (d<$3)?d:$3}')
    done
    echo "$best"
}

printf '%-8s %10s %12s %12s %7s\n' store points "read (s)" "plot (s)" ratio
while read -r kind run; do
    case $kind in
        fs) uri="$PWD/$DATA/fs/mlruns" ;;
        sqlite) uri="sqlite:///$PWD/$DATA/sqlite/mlflow.db" ;;
    esac
    n=$("$BIN" history --tracking-uri "$uri" "$run" loss --format csv | tail -n +2 | wc -l)
    read_s=$(best "$BIN" history --tracking-uri "$uri" "$run" loss --format csv)
    plot_s=$(best "$BIN" plot --tracking-uri "$uri" "$run" --metric loss --width 160 --height 40)
    printf '%-8s %10d %12.3f %12.3f %6.2fx\n' "$kind" "$n" "$read_s" "$plot_s" "$(echo "$plot_s $read_s" | awk '{print $1/$2}')"
done < "$DATA/ids"
echo "target: plot within 1.5x of read"
