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
for value in TRICKY + random_strings(600, 7) + ["k" * 129, "é" * 65, "long key " * 20]:
    tags = {"mlflow.data.context": value, "short": "s"}
    if value:
        tags[value] = "v " + value
    data = {"run_name": value, "status": 3, "end_time": None, "tags": tags, "empty": {}, "list": []}
    cases.append({"data": data, "yaml": dump(data)})
json.dump(cases, sys.stdout, ensure_ascii=True)
