#!/usr/bin/env python3
"""Print an MLflow tracking store as canonical JSON, read by the real MLflow.

    MLFLOW_ALLOW_FILE_STORE=true python scripts/mlflow_dump_store.py URI [options]

The store is read directly through `MlflowClient(tracking_uri=URI)` (no mltui code, no server):
experiments and runs of every lifecycle stage, params, tags, latest metrics, each metric's full
history (`get_metric_history`), run inputs (datasets, models) and outputs (models), and logged
models (`search_logged_models`) with their tags, params and metrics.

What a store generates differs between two stores written by the same operations, so it is
replaced by stable placeholders: experiment ids (`<exp-N>`, numbered in order of experiment
name; the Default experiment keeps "0"), run ids (`<run-N>`, numbered per experiment in order of
start time, then name, then content), logged model ids (`<model-N>`), times the store fills in
(experiment creation/last update, run start/end, logged model creation/last update: `<time>`;
null stays null), the store's own root path in artifact URIs (`<root>`), and run names MLflow
generated (`adjective-noun-N` from `mlflow.utils.name_utils`: `<generated-name>`, also in the
`mlflow.runName` tag). Every reference to an id (parent run tags, artifact URIs, model ids in
inputs and outputs, a model's source run) is rewritten with the same placeholder. Metric
timestamps are kept unless --mask-metric-timestamps. Dataset digests are kept (the client
computes them from the data). Non-finite metric values print as the strings "NaN", "Infinity"
and "-Infinity" (a metric value is otherwise always a JSON number).

Options:
  --mask-metric-timestamps   replace every metric timestamp with "<time>"
  --keep-run-names           do not mask generated run names
  --mask-prefix STRING       replace STRING in artifact URIs with "<root>" (repeatable; e.g. the
                             artifact root of an SQLite store or a server)
"""

import argparse
import json
import math
import os
import re
import sys
from urllib.parse import urlparse, unquote

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

from mlflow.entities import LoggedModelStatus, ViewType  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
from mlflow.utils import name_utils  # noqa: E402

RUN_ID = re.compile(r"[0-9a-f]{32}")
MODEL_ID = re.compile(r"m-[0-9a-f]{32}")
PREDICATES = {p.lower() for p in name_utils._GENERATOR_PREDICATES}
NOUNS = {n.lower() for n in name_utils._GENERATOR_NOUNS}
# `_generate_random_name` cuts a name longer than this.
GENERATED_NAME_MAX = 20


def is_generated_name(name):
    """True for a name `name_utils._generate_random_name` can produce."""
    if not name:
        return False
    m = re.fullmatch(r"([a-z]+)-([a-z]+)-(\d+)", name)
    if m and m.group(1) in PREDICATES and m.group(2) in NOUNS and len(name) <= GENERATED_NAME_MAX:
        return True
    if len(name) != GENERATED_NAME_MAX:
        return False
    # Cut at 20 characters: predicate-noun-digits, with the tail shortened.
    parts = name.split("-")
    if parts[0] not in PREDICATES:
        return False
    if len(parts) == 2:
        return any(n.startswith(parts[1]) for n in NOUNS)
    return len(parts) == 3 and parts[1] in NOUNS and (parts[2] == "" or parts[2].isdigit())


def store_roots(uri):
    """The root of a file store as it appears in artifact URIs (plain path and file:// URI)."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        path = os.path.abspath(unquote(parsed.path) if parsed.scheme == "file" else uri)
        return [path]
    return []


def paged(fetch):
    """Every item of a paginated client call."""
    items, token = [], None
    while True:
        page = fetch(token)
        items.extend(page)
        token = page.token
        if not token:
            return items


def metric_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


class Dumper:
    def __init__(self, uri, args):
        self.client = MlflowClient(tracking_uri=uri)
        self.args = args
        self.prefixes = sorted(store_roots(uri) + list(args.mask_prefix or []), key=len, reverse=True)
        self.experiment_ids = {"0": "0"}
        self.run_ids = {}
        self.model_ids = {}

    # Placeholders

    def time(self, value):
        return None if value is None else "<time>"

    def metric_time(self, value):
        if self.args.mask_metric_timestamps and value is not None:
            return "<time>"
        return value

    def run_name(self, name):
        if not self.args.keep_run_names and is_generated_name(name):
            return "<generated-name>"
        return name

    def text(self, value):
        """A string with every known run and model id replaced by its placeholder."""
        if value is None:
            return None
        value = MODEL_ID.sub(lambda m: self.model_ids.get(m.group(0), m.group(0)), value)
        return RUN_ID.sub(lambda m: self.run_ids.get(m.group(0), m.group(0)), value)

    def uri(self, value):
        """An artifact URI: the store's root, then ids path segment by path segment."""
        if value is None:
            return None
        for prefix in self.prefixes:
            value = value.replace(prefix, "<root>")
        segments = [self.experiment_ids.get(s, s) for s in value.split("/")]
        return self.text("/".join(segments))

    # Entities

    def dump(self):
        experiments = paged(lambda t: self.client.search_experiments(
            view_type=ViewType.ALL, max_results=1000, page_token=t))
        experiments.sort(key=lambda e: e.name)
        for exp in experiments:
            if exp.experiment_id not in self.experiment_ids:
                self.experiment_ids[exp.experiment_id] = f"<exp-{len(self.experiment_ids)}>"
        runs_by_exp = {e.experiment_id: self.runs_of(e.experiment_id) for e in experiments}
        models_by_exp = {e.experiment_id: self.models_of(e.experiment_id) for e in experiments}
        return {"experiments": [self.experiment(e, runs_by_exp[e.experiment_id],
                                                models_by_exp[e.experiment_id]) for e in experiments]}

    def runs_of(self, experiment_id):
        runs = paged(lambda t: self.client.search_runs(
            [experiment_id], run_view_type=ViewType.ALL, max_results=1000, page_token=t))

        def order(run):
            # Content breaks ties between runs started in the same millisecond.
            info, data = run.info, run.data
            return (info.start_time or 0, info.run_name or "",
                    json.dumps([sorted(data.params.items()), sorted(data.tags.items())]))

        runs.sort(key=order)
        for run in runs:
            self.run_ids[run.info.run_id] = f"<run-{len(self.run_ids) + 1}>"
        return runs

    def models_of(self, experiment_id):
        try:
            models = paged(lambda t: self.client.search_logged_models(
                experiment_ids=[experiment_id], max_results=100, page_token=t))
        except Exception as error:  # A store without logged models support says so once.
            print(f"mlflow_dump_store: logged models of {experiment_id}: {error}", file=sys.stderr)
            return []
        models.sort(key=lambda m: (m.creation_timestamp or 0, m.name or "",
                                   self.run_ids.get(m.source_run_id or "", "")))
        for model in models:
            self.model_ids[model.model_id] = f"<model-{len(self.model_ids) + 1}>"
        return models

    def experiment(self, exp, runs, models):
        return {
            "experiment_id": self.experiment_ids[exp.experiment_id],
            "name": exp.name,
            "artifact_location": self.uri(exp.artifact_location),
            "lifecycle_stage": exp.lifecycle_stage,
            "creation_time": self.time(exp.creation_time),
            "last_update_time": self.time(exp.last_update_time),
            "tags": {k: self.text(v) for k, v in exp.tags.items()},
            "runs": [self.run(r) for r in runs],
            "logged_models": [self.model(m) for m in models],
        }

    def metric(self, m):
        return {"key": m.key, "value": metric_value(m.value), "timestamp": self.metric_time(m.timestamp),
                "step": m.step}

    def history(self, run_id, key):
        points = self.client.get_metric_history(run_id, key)
        points.sort(key=lambda m: (m.step, m.timestamp, repr(m.value)))
        return [self.metric(m) for m in points]

    def run(self, run):
        info, data = run.info, run.data
        tags = {}
        for key, value in data.tags.items():
            tags[key] = self.run_name(value) if key == "mlflow.runName" else self.text(value)
        latest = sorted((self.metric(m) for m in data._metric_objs), key=lambda m: m["key"])
        return {
            "run_id": self.run_ids[info.run_id],
            "experiment_id": self.experiment_ids.get(info.experiment_id, info.experiment_id),
            "run_name": self.run_name(info.run_name),
            "user_id": info.user_id,
            "status": info.status,
            "lifecycle_stage": info.lifecycle_stage,
            "start_time": self.time(info.start_time),
            "end_time": self.time(info.end_time),
            "artifact_uri": self.uri(info.artifact_uri),
            "params": dict(data.params),
            "tags": tags,
            "metrics": latest,
            "metric_history": {key: self.history(info.run_id, key) for key in sorted(data.metrics)},
            "inputs": self.inputs(run.inputs),
            "outputs": self.outputs(run.outputs),
        }

    def inputs(self, inputs):
        if inputs is None:
            return {"datasets": [], "models": []}
        datasets = [{
            "name": d.dataset.name, "digest": d.dataset.digest, "source_type": d.dataset.source_type,
            "source": d.dataset.source, "schema": d.dataset.schema, "profile": d.dataset.profile,
            "tags": {t.key: t.value for t in d.tags},
        } for d in inputs.dataset_inputs or []]
        datasets.sort(key=lambda d: (d["name"], d["digest"], json.dumps(d["tags"], sort_keys=True)))
        models = sorted(self.text(m.model_id) for m in (getattr(inputs, "model_inputs", None) or []))
        return {"datasets": datasets, "models": [{"model_id": m} for m in models]}

    def outputs(self, outputs):
        if outputs is None:
            return {"models": []}
        models = [{"model_id": self.text(m.model_id), "step": m.step} for m in outputs.model_outputs or []]
        models.sort(key=lambda m: (m["model_id"], m["step"]))
        return {"models": models}

    def model(self, model):
        metrics = [{
            "key": m.key, "value": metric_value(m.value), "timestamp": self.metric_time(m.timestamp),
            "step": m.step, "run_id": self.text(m.run_id), "dataset_name": m.dataset_name,
            "dataset_digest": m.dataset_digest,
        } for m in model.metrics or []]
        metrics.sort(key=lambda m: (m["key"], m["step"], str(m["timestamp"]), str(m["value"])))
        status = model.status
        if isinstance(status, int):  # Some stores hand back the proto number.
            status = LoggedModelStatus.from_int(status)
        return {
            "model_id": self.model_ids[model.model_id],
            "experiment_id": self.experiment_ids.get(model.experiment_id, model.experiment_id),
            "name": model.name,
            "artifact_location": self.uri(model.artifact_location),
            "creation_timestamp": self.time(model.creation_timestamp),
            "last_updated_timestamp": self.time(model.last_updated_timestamp),
            "model_type": model.model_type,
            "source_run_id": self.text(model.source_run_id),
            "status": None if status is None else str(status),
            "status_message": model.status_message,
            "tags": {k: self.text(v) for k, v in (model.tags or {}).items()},
            "params": dict(model.params or {}),
            "metrics": metrics,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("uri")
    parser.add_argument("--mask-metric-timestamps", action="store_true")
    parser.add_argument("--keep-run-names", action="store_true")
    parser.add_argument("--mask-prefix", action="append")
    args = parser.parse_args()
    document = Dumper(args.uri, args).dump()
    json.dump(document, sys.stdout, indent=2, sort_keys=True, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
