"""A SQLite store written by the real MLflow client with one artifact of every preview kind.

usage: preview_store.py DIR  ->  prints {"run_id": ..., "db": ...}
"""
import io
import json
import os
import sys

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from PIL import Image

root = sys.argv[1]
os.chdir(root)
uri = "sqlite:///" + os.path.join(root, "mlflow.db")
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
exp = client.create_experiment("previews", artifact_location="file://" + os.path.join(root, "artifacts"))
run = client.create_run(exp)
rid = run.info.run_id

client.log_text(rid, "hello, world\nsecond line\n", "hello.txt")
client.log_text(rid, "".join(f"2025-01-01 00:00:{i % 60:02d} INFO step {i} loss={2.0 / (i + 1):.5f}\n" for i in range(500)), "logs/train.log")
client.log_dict(rid, {"model": "net", "layers": [1, 2, 3], "nested": {"ok": True, "ratio": 0.25}}, "config/model.json")
client.log_dict(rid, {"optimizer": "adamw", "schedule": {"warmup": 100}}, "config/train.yaml")
client.log_text(rid, "# Report\n\nAccuracy is *good*.\n", "report.md")
client.log_text(rid, "epoch,loss,name\n0,2.0,\"first, quoted\"\n10,0.25,second\n", "metrics/history.csv")
client.log_text(rid, "a\tb\n1\t22\n", "metrics/table.tsv")
client.log_text(rid, "", "empty.txt")
client.log_text(rid, "Unicode file name ✓\n", "docs/ünïcödé-файл 📄.txt")
client.log_text(rid, "deep content\n", "a/b/c/deep.txt")

img = Image.new("RGB", (8, 4))
for x in range(8):
    for y in range(4):
        img.putpixel((x, y), (255, 0, 0) if y < 2 else (0, 0, 255))
client.log_image(rid, img, "plots/redblue.png")
buf = io.BytesIO()
Image.new("RGB", (16, 16), (0, 200, 0)).save(buf, format="JPEG", quality=95)
os.makedirs("tmp", exist_ok=True)
with open("tmp/green.jpg", "wb") as f:
    f.write(buf.getvalue())
with open("tmp/blob.bin", "wb") as f:
    f.write(bytes(range(256)) * 4)
with open("tmp/broken.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10)
client.log_artifact(rid, "tmp/green.jpg", "plots")
client.log_artifact(rid, "tmp/blob.bin", "model")
client.log_artifact(rid, "tmp/broken.png", "plots")


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input


frame = pd.DataFrame({"x": np.array([1.0, 2.0]), "label": ["a", "b"]})
# MLflow 3 logs models under the logged model's own artifacts; save one and log it into the run.
mlflow.pyfunc.save_model("tmp/saved", python_model=Echo(), signature=infer_signature(frame, frame["x"]))
client.log_artifacts(rid, "tmp/saved", "model")
client.set_terminated(rid)
print(json.dumps({"run_id": rid, "db": os.path.join(root, "mlflow.db")}))
