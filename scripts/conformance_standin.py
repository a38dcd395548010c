#!/usr/bin/env python3
"""A stand-in for the `mltui` scripting commands, built on MLflow's own store classes.

Used only to check the conformance harness itself (Tests/ConformanceTests): it implements the
CLI contract (`experiments`, `runs`, `history`, `artifacts` with --format json) by reading the
store in-process with MLflow and serialising with MLflow's protos, as `mlflow server` does. So
the harness must pass against it, and must fail once MLTUI_STANDIN_PERTURB breaks something:
  drop-tag     drop one tag from every run          reverse   reverse the order of runs
  nan-zero     print NaN metric values as 0         code      report every error as BAD_REQUEST

    printf '#!/bin/sh\\nexec %s %s "$@"\\n' "$PYTHON" "$PWD/scripts/conformance_standin.py" > /tmp/mltui-standin
    chmod +x /tmp/mltui-standin
    MLTUI_BINARY=/tmp/mltui-standin swift test --filter ConformanceTests
"""

import argparse
import json
import os
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


def main():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    from mlflow.entities import ViewType
    from mlflow.exceptions import MlflowException
    from mlflow.protos.service_pb2 import GetMetricHistory, ListArtifacts, SearchExperiments, SearchRuns
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    from mlflow.tracking._tracking_service.utils import _get_store
    from mlflow.utils.proto_json_utils import message_to_json

    parser = argparse.ArgumentParser(prog="mltui")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("experiments", "runs", "history", "artifacts"):
        p = sub.add_parser(name)
        p.add_argument("--tracking-uri")
        p.add_argument("--format", default="table")
        p.add_argument("--view-type", default="ACTIVE_ONLY")
        if name == "runs":
            p.add_argument("--experiment-id", action="append", default=[])
            p.add_argument("--experiment-name", action="append", default=[])
            p.add_argument("--filter", default="")
            p.add_argument("--order-by", action="append", default=[])
            p.add_argument("--max-results", type=int)
        if name in ("history", "artifacts"):
            p.add_argument("run_id")
        if name == "history":
            p.add_argument("key")
        if name == "artifacts":
            p.add_argument("path", nargs="?")
    args = parser.parse_args()
    perturb = os.environ.get("MLTUI_STANDIN_PERTURB", "")

    try:
        store = _get_store(args.tracking_uri)
        view = ViewType.from_string(args.view_type.lower())
        if args.command == "experiments":
            response = SearchExperiments.Response()
            response.experiments.extend(e.to_proto() for e in store.search_experiments(view_type=view, max_results=50000))
        elif args.command == "runs":
            ids = list(args.experiment_id) + [store.get_experiment_by_name(n).experiment_id for n in args.experiment_name]
            runs = store.search_runs(ids, args.filter, view, max_results=args.max_results or 50000, order_by=args.order_by)
            runs = list(runs)
            if perturb == "reverse":
                runs.reverse()
            response = SearchRuns.Response()
            response.runs.extend(r.to_proto() for r in runs)
            if perturb == "drop-tag":
                for run in response.runs:
                    if run.data.tags:
                        del run.data.tags[-1]
        elif args.command == "history":
            response = GetMetricHistory.Response()
            response.metrics.extend(m.to_proto() for m in store.get_metric_history(args.run_id, args.key))
        else:
            from mlflow.server.handlers import validate_path_is_safe

            path = validate_path_is_safe(args.path) if args.path is not None else None
            run = store.get_run(args.run_id)
            response = ListArtifacts.Response()
            response.files.extend(f.to_proto() for f in get_artifact_repository(run.info.artifact_uri).list_artifacts(path))
            response.root_uri = run.info.artifact_uri
        text = message_to_json(response)
        if perturb == "nan-zero":
            text = text.replace('"NaN"', "0")
        print(text)
        return 0
    except MlflowException as e:
        code = "BAD_REQUEST" if perturb == "code" else e.error_code
        print(f"mltui: {code}: {e.message}", file=sys.stderr)
        print(json.dumps({"error_code": code, "message": e.message}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
