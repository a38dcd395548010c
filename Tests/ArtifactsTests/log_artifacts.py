"""Logs one run's artifacts with the real MLflow client, for the artifact repository tests.

usage: log_artifacts.py TRACKING_URI SRC_DIR [ARTIFACT_LOCATION]
Writes the files to SRC_DIR (the test compares downloads with them), logs them as the run's
artifacts and prints {"run_id": ..., "artifact_uri": ...}. With an s3:// location the bucket
is created first (boto3, against MLFLOW_S3_ENDPOINT_URL) and a hostile key is planted under the
run's prefix to check that listings never lead outside the root.
"""
import json
import os
import sys

import mlflow
from mlflow import MlflowClient

tracking_uri, src = sys.argv[1], sys.argv[2]
location = sys.argv[3] if len(sys.argv) > 3 else None

files = {
    "hello.txt": b"hello artifacts\n",
    "config/model.json": b'{"layers": [1, 2, 3], "name": "net"}\n',
    "a/b/c/deep.txt": b"deep content\n",
    "model/empty.txt": b"",
    "model/weights.bin": bytes(range(256)) * 1200,
    "docs/\u00fcn\u00efc\u00f6d\u00e9-\u0444\u0430\u0439\u043b \U0001F4C4.txt": "unicode \u2713\n".encode(),
}
for rel, data in files.items():
    path = os.path.join(src, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

if location and location.startswith("s3://"):
    import boto3
    bucket = location[5:].split("/")[0]
    boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"]).create_bucket(Bucket=bucket)

mlflow.set_tracking_uri(tracking_uri)
client = MlflowClient()
exp_id = client.create_experiment("artifacts-test", artifact_location=location) if location \
    else client.create_experiment("artifacts-test")
run = client.create_run(exp_id)
client.log_artifacts(run.info.run_id, src)
client.set_terminated(run.info.run_id)
artifact_uri = client.get_run(run.info.run_id).info.artifact_uri

if artifact_uri.startswith("s3://"):
    import boto3
    bucket, _, key = artifact_uri[5:].partition("/")
    s3 = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"])
    s3.put_object(Bucket=bucket, Key=key + "/../escape.txt", Body=b"must not be listed")
    s3.put_object(Bucket=bucket, Key=key + "/sub/", Body=b"")  # a directory marker, skipped by MLflow

# MLflow's own listings, the oracle for mltui's.
listings = {}
for path in ["", "model", "docs", "a/b", "sub", "hello.txt", "nope"]:
    infos = client.list_artifacts(run.info.run_id, path or None)
    listings[path] = [[i.path, i.is_dir, i.file_size] for i in infos]
print(json.dumps({"run_id": run.info.run_id, "artifact_uri": artifact_uri, "listings": listings}))
