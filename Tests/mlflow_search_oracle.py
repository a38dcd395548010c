"""Answers search-grammar questions with MLflow's own code, for SearchGrammarDifferentialTests.

Reads a JSON list of cases from stdin: {"kind": "run_filter" | "experiment_filter", "text": str}
or {"kind": "run_order" | "experiment_order", "texts": [str]}. Writes a JSON list of results:
{"ok": true, "clauses": [...]} or {"ok": false, "error": str}.

Cases {"kind": "run_search" | "experiment_search", "runs" | "experiments": [...], "filter": str,
"order_by": [str]} filter and sort entities the way MLflow's file store does (SearchUtils.filter
and .sort, SearchExperimentsUtils.filter and .sort) and answer {"ok": true, "ids": [...]}.

Each case goes through what MLflow's SQL store does before it runs a query: parse with
SearchUtils / SearchExperimentsUtils, then build the SQLAlchemy clauses (which is where MLflow
checks comparators, duplicate order_by keys and order_by entities). Nothing is executed.

Parsed clauses are normalized to mltui's AST: kind in metric/param/tag/attribute/dataset,
attribute aliases resolved (created -> start_time, `Run name` -> run_name), a run_name filter
written as the tag mlflow.runName (what both MLflow stores filter on), numbers as floats.
"""

import json
import sys

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mlflow.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    ExperimentTag,
    InputTag,
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunTag,
)
from mlflow.store.tracking.sqlalchemy_store import (
    _get_orderby_clauses,
    _get_search_experiments_filter_clauses,
    _get_search_experiments_order_by_clauses,
    _get_sqlalchemy_filter_clauses,
)
from mlflow.exceptions import MlflowException
from mlflow.utils.search_utils import SearchExperimentsUtils, SearchUtils

KINDS = {"metric": "metric", "parameter": "param", "tag": "tag", "attribute": "attribute", "dataset": "dataset"}
NUMERIC_KEYS = {"start_time", "end_time", "creation_time", "last_update_time"}


def normalize_value(kind, key, value):
    if value is None:
        return None
    if isinstance(value, tuple):
        return {"list": list(value)}
    if kind == "metric" or (kind == "attribute" and key in NUMERIC_KEYS):
        return {"number": repr(float(value))}
    return {"string": value}


def run_filter(session, text):
    parsed = SearchUtils.parse_search_filter(text)
    _get_sqlalchemy_filter_clauses(parsed, session, "sqlite")
    clauses = []
    for c in parsed:
        kind, key = KINDS[c["type"]], SearchUtils.translate_key_alias(c["key"])
        value = normalize_value(kind, key, c["value"])
        if kind == "attribute" and key == "run_name":
            kind, key = "tag", "mlflow.runName"
        clauses.append([kind, key, c["comparator"].upper(), value])
    return clauses


def experiment_filter(text):
    parsed = SearchExperimentsUtils.parse_search_filter(text)
    _get_search_experiments_filter_clauses(parsed, "sqlite")
    return [[KINDS[c["type"]], c["key"], c["comparator"].upper(), normalize_value(KINDS[c["type"]], c["key"], c["value"])]
            for c in parsed]


def run_order(session, texts):
    try:
        _get_orderby_clauses(texts, session)
    except MlflowException as e:
        # A repeated key is the store's business: MLflow's file store accepts it and its SQL store
        # refuses it (INTERNAL_ERROR), as mltui's two stores do; the grammar accepts it.
        if "duplicate fields" not in str(e):
            raise
    out = []
    for t in texts:
        kind, key, ascending = SearchUtils.parse_order_by_for_search_runs(t)
        out.append([KINDS[kind], SearchUtils.translate_key_alias(key), ascending])
    return out


def experiment_order(texts):
    _get_search_experiments_order_by_clauses(texts)
    out = []
    for t in texts:
        kind, key, ascending = SearchExperimentsUtils.parse_order_by_for_search_experiments(t)
        out.append([KINDS[kind], key, ascending])
    return out


def number(value):
    return float(value)  # "NaN", "Infinity", "-Infinity" or a number


def make_run(spec):
    info = RunInfo(
        run_id=spec["id"], experiment_id="1", user_id=spec.get("user", "alice"), status=spec["status"],
        start_time=spec.get("start"), end_time=spec.get("end"), lifecycle_stage="active",
        artifact_uri=f"file:///a/{spec['id']}", run_name=spec.get("name", ""),
    )
    data = RunData(
        metrics=[Metric(k, number(v), 1, 0) for k, v in spec.get("metrics", {}).items()],
        params=[Param(k, v) for k, v in spec.get("params", {}).items()],
        tags=[RunTag(k, v) for k, v in spec.get("tags", {}).items()],
    )
    inputs = RunInputs(dataset_inputs=[
        DatasetInput(Dataset(d["name"], d["digest"], "local", "x"),
                     [InputTag("mlflow.data.context", d["context"])] if d.get("context") is not None else [])
        for d in spec.get("datasets", [])
    ])
    return Run(info, data, inputs)


def make_experiment(spec):
    return Experiment(spec["id"], spec["name"], "file:///x", "active",
                      tags=[ExperimentTag(k, v) for k, v in spec.get("tags", {}).items()],
                      creation_time=spec.get("creation_time"), last_update_time=spec.get("last_update_time"))


def run_search(case):
    runs = SearchUtils.filter([make_run(r) for r in case["runs"]], case["filter"])
    return [r.info.run_id for r in SearchUtils.sort(runs, case["order_by"])]


def experiment_search(case):
    experiments = SearchExperimentsUtils.filter([make_experiment(e) for e in case["experiments"]], case["filter"])
    order_by = case["order_by"] or ["creation_time DESC", "experiment_id ASC"]  # the file store's default
    return [e.experiment_id for e in SearchExperimentsUtils.sort(experiments, order_by)]


def main():
    cases = json.load(sys.stdin)
    session = Session(create_engine("sqlite://"))
    results = []
    for case in cases:
        kind = case["kind"]
        try:
            if kind == "run_filter":
                clauses = run_filter(session, case["text"])
            elif kind == "experiment_filter":
                clauses = experiment_filter(case["text"])
            elif kind == "run_order":
                clauses = run_order(session, case["texts"])
            elif kind == "experiment_order":
                clauses = experiment_order(case["texts"])
            elif kind == "run_search":
                results.append({"ok": True, "ids": run_search(case)})
                continue
            elif kind == "experiment_search":
                results.append({"ok": True, "ids": experiment_search(case)})
                continue
            else:
                raise SystemExit(f"unknown case kind {kind!r}")
            results.append({"ok": True, "clauses": clauses})
        except SystemExit:
            raise
        except Exception as e:  # MLflow raises ValueError too, e.g. for `IN (a)`
            results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
