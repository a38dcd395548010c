#!/usr/bin/env bash
# Core benchmark: `mltui runs --format json` vs MLflow's `mlflow.search_runs` on 10,000 runs in
# both store formats, with sqlite3/cat floors; prints figures and ratios (see BENCHMARKS.md).
# The store is generated once with the real MLflow and cached in bench-out/ (git-ignored).
#   scripts/bench_core.sh [--runs N]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
python="${MLTUI_MLFLOW_PYTHON:-$repo/.venv-mlflow/bin/python}"
if [ ! -x "$python" ]; then
    echo "bench_core.sh: no MLflow python at $python; run 'bash scripts/test' once (it creates .venv-mlflow) or set MLTUI_MLFLOW_PYTHON" >&2
    exit 1
fi
for tool in sqlite3:sqlite3 /usr/bin/time:time; do
    command -v "${tool%%:*}" >/dev/null || { echo "bench_core.sh: needs ${tool%%:*} (apt-get install ${tool##*:})" >&2; exit 1; }
done
swift build -c release --product mltui >&2
mkdir -p bench-out
exec "$python" "$repo/scripts/bench_core.py" "$(swift build -c release --show-bin-path)/mltui" "$repo/bench-out" "$@"
