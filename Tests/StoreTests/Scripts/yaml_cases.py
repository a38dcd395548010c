#!/usr/bin/env python3
"""Prints, as JSON, YAML documents written exactly as MLflow writes meta.yaml (PyYAML's
safe dumper, default_flow_style=False, allow_unicode=True, sorted keys) with the values they
hold, for FileStoreYAMLTests to parse and compare."""
import json
import random
import sys

import yaml

try:
    from yaml import CSafeDumper as Dumper, CSafeLoader as Loader
except ImportError:
    from yaml import SafeDumper as Dumper, SafeLoader as Loader


def dump(data):
    return yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=Dumper)


TRICKY = [
    "", " ", "plain", "a: b", "key: value: more", "it's", "''", "'quoted'", '"double"', 'mix \'"',
    "line1\nline2", "line1\n\nline3", "\nleading newline", "trailing newline\n", "\n", "\n\n",
    "  leading spaces", "trailing spaces  ", " both ", "tab\there", "\ttab first", "#hash", "a #b",
    "- dash", "-", "?", "? q", ":", "a:", "null", "Null", "~", "true", "no", "123", "0123", "1e5",
    "0x1F", "12:30", "2020-01-01", "日本語-実験", "émoji 🚀 runs", "ключ: значение", "\u00e9\u0301",
    "ctrl\x01char", "del\x7fchar", "nel\u0085x", "ls\u2028x", "bom\ufeffx", "back\\slash",
    "\\n literal", "{}", "[]", "{a: 1}", "[1, 2]", "*alias", "&anchor", "!tag", "%percent", "@at",
    "`tick`", "|pipe", ">gt", "a,b", "comma, space", "x" * 500,
    " ".join(["word"] * 60), ("lorem ipsum " * 30).strip(), "a " * 100, "long line\n" * 10,
    ("spaces   between   words " * 10), "ends with space " * 20, "€" * 120,
    "multi\nline with a long second line " + "y " * 60, "  indented\n  lines\n", "a\n b\n  c",
    "trailing\n\n", "x\r\ny", "cr\rhere", "\u3000ideographic space", "zero\u200bwidth",
]


def random_strings(count, seed):
    rng = random.Random(seed)
    alphabet = list("abc xyz:'\"#-\\\n\t{}[],&*!|>%@`?") + ["é", "日", "🚀", "\u0085", "\x01", "  ", "\n\n"]
    out = []
    for _ in range(count):
        n = rng.choice([1, 3, 10, 40, 90, 200, 400])
        out.append("".join(rng.choice(alphabet) for _ in range(n)))
    return out


def main():
    cases = []
    for value in TRICKY + random_strings(400, 42):
        cases.append({"name": repr(value)[:60], "data": {"run_name": value, "status": 3, "end_time": None}})
    cases.append({"name": "run meta", "data": {
        "artifact_uri": "file:///tmp/mlruns/1/" + "a" * 32 + "/artifacts", "end_time": 1795369468568,
        "entry_point_name": "", "experiment_id": "667758179252683718", "lifecycle_stage": "active",
        "run_id": "221d0a03889f4d13a7e3dc0ce6efe1ff", "run_name": "first-run", "source_name": "",
        "source_type": 4, "source_version": "", "start_time": 1795369468538, "status": 3, "tags": [],
        "user_id": "root", "deleted_time": None}})
    cases.append({"name": "input meta", "data": {
        "destination_id": "c82ea5e0dc208cb9320965834419895d", "destination_type": "RUN",
        "source_id": "c82ea5e0dc208cb9320965834419895d", "source_type": "DATASET",
        "tags": {"mlflow.data.context": "training", "a key: odd": "v\nw", "ключ": ""}}})
    cases.append({"name": "long keys", "data": {
        "tags": {"k" * 200: "v", "long key " * 20: "x " * 80, "short": "s"}, "z": "k" * 130}})
    cases.append({"name": "output meta", "data": {"destination_type": "MODEL_OUTPUT", "step": 0, "tags": {}}})
    cases.append({"name": "dataset meta", "data": {
        "digest": "f4fbf563", "name": "mydata", "profile": '{"num_rows": 3, "num_elements": 6}',
        "schema": json.dumps({"mlflow_colspec": [{"type": "long", "name": c, "required": True} for c in "xyzw"]}),
        "source": json.dumps({"tags": {"mlflow.user": "root", "mlflow.source.name": "/a path/with spaces.py"}}),
        "source_type": "code"}})
    cases.append({"name": "legacy int experiment id", "data": {"experiment_id": 5, "name": "old"}})
    cases.append({"name": "sequence", "data": {"items": ["a", "b: c", "", None], "z": 1}})
    for case in cases:
        case["yaml"] = dump(case["data"])
        # What MLflow reads back (`read_yaml` uses the safe loader), which is not always what
        # was written: a raw U+2028 inside quotes, for one, is a line break to YAML.
        case["data"] = yaml.load(case["yaml"], Loader=Loader)
    json.dump(cases, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
