#!/bin/sh
# The acceptance checks for `mltui serve`, on fresh fixture stores in both formats, against the
# real MLflow (for CI): conformance battery, the Python client, mltui's REST backend round trip,
# concurrency + graceful shutdown, reads during live writes. Exits non-zero on the first failure.
#   Tests/ServerTests/run_acceptance.sh [PYTHON]   (default: .venv-mlflow/bin/python)
set -eu
PY=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.venv-mlflow/bin/python}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
swift build --product mltui
MLTUI="$ROOT/.build/debug/mltui"
OUT=$(mktemp -d /tmp/mltui-acceptance-XXXXXX)
"$PY" scripts/make_fixtures.py "$OUT" >/dev/null
for STORE in "$OUT/fs/mlruns" "sqlite:///$OUT/sqlite/mlflow.db"; do
    "$PY" Tests/ServerTests/conformance.py --mltui "$MLTUI" --store "$STORE" | tail -n 1
    "$PY" Tests/ServerTests/python_client.py --mltui "$MLTUI" --store "$STORE"
    "$PY" Tests/ServerTests/rest_roundtrip.py --mltui "$MLTUI" --store "$STORE" | tail -n 1
    "$PY" Tests/ServerTests/lifecycle.py --mltui "$MLTUI" --store "$STORE" --slow-reader
done
"$PY" Tests/ServerTests/live_writes.py --mltui "$MLTUI" --kind fs
"$PY" Tests/ServerTests/live_writes.py --mltui "$MLTUI" --kind sqlite
rm -rf "$OUT"
