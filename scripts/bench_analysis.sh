#!/usr/bin/env bash
# Best-of columns and grouping on 10,000 runs: `mltui runs --columns 'max(metrics.K)'` against the
# sqlite3 CLI running one aggregate query and against the MLflow Python client reading every
# run's history; the file store's figure; grouping by two keys with ten metric columns.
# Prints figures and ratios (see BENCHMARKS.md); asserts nothing about time. The store is the
# core benchmark's (scripts/bench_core.py generates it once into bench-out/).
#   scripts/bench_analysis.sh [--runs N] [--out DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
python="${MLTUI_MLFLOW_PYTHON:-$repo/.venv-mlflow/bin/python}"
if [ ! -x "$python" ]; then
    echo "bench_analysis.sh: no MLflow python at $python; run 'bash scripts/test' once (it creates .venv-mlflow) or set MLTUI_MLFLOW_PYTHON" >&2
    exit 1
fi
for tool in sqlite3:sqlite3 /usr/bin/time:time; do
    command -v "${tool%%:*}" >/dev/null || { echo "bench_analysis.sh: needs ${tool%%:*} (apt-get install ${tool##*:})" >&2; exit 1; }
done
swift build -c release --product mltui >&2
out="$repo/bench-out"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
mkdir -p "$out"
exec "$python" "$repo/scripts/bench_analysis.py" "$(swift build -c release --show-bin-path)/mltui" "$out" "${args[@]}"
