"""Answers search-grammar questions with MLflow's own code, for SearchGrammarDifferentialTests.

Reads a JSON list of cases from stdin: {"kind": "run_filter" | "experiment_filter", "text": str}
or {"kind": "run_order" | "experiment_order", "texts": [str]}. Writes a JSON list of results:
{"ok": true, "clauses": [...]} or {"ok": false, "error": str}.

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

from mlflow.store.tracking.sqlalchemy_store import (
    _get_orderby_clauses,
    _get_search_experiments_filter_clauses,
    _get_search_experiments_order_by_clauses,
    _get_sqlalchemy_filter_clauses,
)
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
    _get_orderby_clauses(texts, session)
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
