#!/usr/bin/env python3
"""Prints, as JSON, mappings of strings and the exact bytes MLflow's `yaml_utils.write_yaml`
writes for them (PyYAML's libyaml safe dumper, default_flow_style=False, allow_unicode=True,
sorted keys), for FileStoreWriterTests to compare with the file store writer's emitter."""
import json
import sys

import yaml
from yaml_cases import TRICKY, random_strings

try:
    from yaml import CSafeDumper as Dumper
except ImportError:
    from yaml import SafeDumper as Dumper


def dump(data):
    return yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=Dumper)


cases = []
for value in TRICKY + random_strings(600, 7):
    tags = {"mlflow.data.context": value, "short": "s"}
    # A key longer than 128 characters or with a line break is written as a complex key
    # ("? key"): MLflow's tag names cannot hold one.
    if 0 < len(value) <= 100 and not any(c in value for c in "\r\n\x85\u2028\u2029"):
        tags[value] = "v " + value
    data = {"run_name": value, "status": 3, "end_time": None, "tags": tags, "empty": {}, "list": []}
    cases.append({"data": data, "yaml": dump(data)})
json.dump(cases, sys.stdout, ensure_ascii=True)
