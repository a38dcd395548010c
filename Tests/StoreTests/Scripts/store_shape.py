#!/usr/bin/env python3
"""Prints the shape of a file store as sorted lines: every folder and file with generated ids
masked (experiment ids, run ids, model ids, the md5 names of datasets and inputs), for each
meta.yaml its keys and whether its bytes are exactly what MLflow's `yaml_utils.write_yaml` writes
for the data it holds, for each metric file its lines' field counts. Two stores written by the
same operations have the same shape. Temporary files a writer left behind are listed too."""
import os
import re
import sys

import yaml

try:
    from yaml import CSafeDumper as Dumper, CSafeLoader as Loader
except ImportError:
    from yaml import SafeDumper as Dumper, SafeLoader as Loader

MASKS = [(re.compile(r"^m-[0-9a-f]{32}$"), "<model>"), (re.compile(r"^[0-9a-f]{32}$"), "<id>"),
         (re.compile(r"^[1-9][0-9]*$"), "<exp>")]


def mask(part):
    for pattern, placeholder in MASKS:
        if pattern.match(part):
            return placeholder
    return part


def describe(root, path):
    relative = "/".join(mask(p) for p in os.path.relpath(path, root).split(os.sep))
    if os.path.isdir(path):
        return relative + "/"
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.basename(path)
    if name == "meta.yaml":
        loaded = yaml.load(data.decode("utf-8"), Loader=Loader)
        again = yaml.dump(loaded, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=Dumper)
        exact = "exact" if again.encode("utf-8") == data else "NOT AS MLFLOW WRITES IT"
        return f"{relative} keys={','.join(sorted(loaded))} {exact}"
    if "/metrics/" in "/" + relative:
        fields = sorted({len(line.split(" ")) for line in data.decode().splitlines()})
        return f"{relative} lines={len(data.decode().splitlines())} fields={fields}"
    return relative


def main(root):
    lines = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            lines.append(describe(root, os.path.join(folder, name)))
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main(sys.argv[1])
