#!/usr/bin/env bash
# Regenerate the committed demo stores (demo/fs/mlruns and demo/sqlite/mlflow.db) with the real
# MLflow client. Python: $MLTUI_MLFLOW_PYTHON, else <repo>/.venv-mlflow/bin/python (scripts/test
# creates it). MLflow stores absolute artifact paths; mltui falls back to the store's own
# artifacts folder when they are missing, so the committed copy works from any checkout. The
# stores are written in a temporary folder that is then removed, so the recorded paths never exist
# and every checkout (this one included) exercises that fallback the same way.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${MLTUI_MLFLOW_PYTHON:-$repo/.venv-mlflow/bin/python}"
if [ ! -x "$python" ]; then
    echo "make_demo.sh: no MLflow python at $python; run 'bash scripts/test' once (it creates .venv-mlflow) or set MLTUI_MLFLOW_PYTHON" >&2
    exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/mltui-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$python" "$repo/scripts/make_fixtures.py" "$work"
rm -rf "$repo/demo"
mkdir -p "$repo/demo"
mv "$work/fs" "$work/sqlite" "$repo/demo/"
du -sh --apparent-size "$repo/demo"
