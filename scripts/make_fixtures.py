#!/usr/bin/env python3
"""Write the mltui fixture stores with the real MLflow client (3.17.2).

    make_fixtures.py OUTDIR
    make_fixtures.py --postgres URI OUTDIR

Writes the same logical content twice:
  OUTDIR/fs/mlruns          file store (tracking URI = plain absolute path)
  OUTDIR/sqlite/mlflow.db   SQLite store; artifacts in OUTDIR/sqlite/mlruns (cwd-relative
                            default artifact root, `DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH` in
                            mlflow/store/tracking/__init__.py)

With --postgres, writes it once more, only, into the empty PostgreSQL database at URI (a
postgresql:// tracking URI); artifacts in OUTDIR/postgres/mlruns.

Experiment "model-zoo" holds MLflow 3 logged models (one a real pyfunc model, loadable as
`models:/length-scorer@champion` while the store stays where it was written) and feeds the model
registry, which lives in the same mlflow.db, and in OUTDIR/fs/mlruns/models/ for the file store.

Everything we control is deterministic: a fixed random seed, fixed start/end times and metric
timestamps. Run ids, experiment ids (random in the file store) and the timestamps MLflow sets
itself (experiment creation, deletion) are MLflow's.
"""

import math
import os
import random
import shutil
import struct
import sys
import tempfile
import zlib

BASE_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z; all times we pass are offsets from it.
MINUTE = 60_000


def png_bytes(width=16, height=16):
    """A small RGB gradient PNG, built with zlib/struct only (no imaging library)."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 16, y * 16, 128)) for x in range(width)) for y in range(height)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# A real pyfunc model, logged as code (models-from-code): loadable without unpickling anything.
PYFUNC_CODE = '''\
import mlflow
import pandas as pd


class LengthScorer(mlflow.pyfunc.PythonModel):
    """score = 1 if the prompt is longer than 12 characters, else 0."""

    def predict(self, context, model_input, params=None):
        text = [str(t) for t in model_input["prompt"]]
        return pd.DataFrame({"score": [int(len(t) > 12) for t in text], "length": [len(t) for t in text]})


mlflow.models.set_model(LengthScorer())
'''


class Writer:
    """Populates one store through MlflowClient; called once per store with identical inputs."""

    def __init__(self, client, scratch):
        import mlflow  # noqa: F401 (imported here so --help works without mlflow)

        self.client = client
        self.scratch = scratch
        self.rng = random.Random(20250101)
        self.clock = BASE_MS

    # -- helpers ---------------------------------------------------------------------------

    def tick(self, minutes=1):
        self.clock += minutes * MINUTE
        return self.clock

    def run(self, exp_id, name, *, status="FINISHED", parent=None, user="alice", tags=None,
            params=None, metrics=None, duration_min=7):
        from mlflow.entities import Metric, Param, RunTag

        start = self.tick(3)
        run_tags = {
            "mlflow.user": user,
            "mlflow.source.name": "train.py",
            "mlflow.source.type": "LOCAL",
            "mlflow.source.git.commit": "3f2a9c1d0b7e4a65c8d9e0f1a2b3c4d5e6f70819",
        }
        if parent is not None:
            run_tags["mlflow.parentRunId"] = parent
        run_tags.update(tags or {})
        run = self.client.create_run(exp_id, start_time=start, tags=run_tags, run_name=name)
        rid = run.info.run_id
        if params:
            items = [Param(k, str(v)) for k, v in params.items()]
            for i in range(0, len(items), 100):
                self.client.log_batch(rid, params=items[i:i + 100])
        if metrics:
            ms = [Metric(k, v, start + 1000, 0) for k, v in metrics.items()]
            self.client.log_batch(rid, metrics=ms)
        if status != "RUNNING":
            self.client.set_terminated(rid, status=status, end_time=start + duration_min * MINUTE)
        return rid

    def curve(self, rid, key, values, start_ms, step0=0):
        from mlflow.entities import Metric

        ms = [Metric(key, float(v), start_ms + i * 500, step0 + i) for i, v in enumerate(values)]
        for i in range(0, len(ms), 1000):
            self.client.log_batch(rid, metrics=ms[i:i + 1000])

    def training_curves(self, rid, steps, lr0, quality):
        """loss / accuracy / lr curves shaped like a real training run."""
        r = self.rng
        start = self.clock
        loss = [2.5 * math.exp(-s / (steps / 4)) * (1.2 - quality) + 0.05 + r.gauss(0, 0.02) for s in range(steps)]
        acc = [min(0.999, quality * (1 - math.exp(-s / (steps / 5))) + r.gauss(0, 0.005)) for s in range(steps)]
        lr = [lr0 * 0.5 * (1 + math.cos(math.pi * s / steps)) for s in range(steps)]
        self.curve(rid, "loss", loss, start)
        self.curve(rid, "accuracy", acc, start)
        self.curve(rid, "lr", lr, start)
        self.curve(rid, "train/loss", loss[::10], start)
        self.curve(rid, "eval loss", [v * 1.1 + 0.02 for v in loss[::25]], start)

    def artifact_file(self, rid, rel_path, data: bytes):
        folder, name = os.path.split(rel_path)
        local = os.path.join(self.scratch, name)
        with open(local, "wb") as fh:
            fh.write(data)
        self.client.log_artifact(rid, local, folder or None)
        os.remove(local)

    def dataset(self, rid, name, rows, context, seed):
        import pandas as pd
        from mlflow.data import from_pandas
        from mlflow.entities import DatasetInput, InputTag

        r = random.Random(seed)
        df = pd.DataFrame({
            "prompt": [f"question {i}" for i in range(rows)],
            "length": [r.randint(5, 400) for _ in range(rows)],
            "label": [r.choice(["yes", "no"]) for _ in range(rows)],
        })
        ds = from_pandas(df, source=f"/data/{name}.parquet", targets="label", name=name)
        # What mlflow.log_input does, via the client so the run stays in our hands.
        self.client.log_inputs(rid, [DatasetInput(ds._to_mlflow_entity(), [InputTag("mlflow.data.context", context)])])
        return ds

    # -- logged models and registry ----------------------------------------------------------

    def logged_model(self, rid, name, *, model_type=None, params=None, tags=None, metrics=(),
                     status="READY", step=0, extra_tags=None):
        """One MLflow 3 logged model via the client: create, params, tags, dataset-linked metrics,
        the run's model output, finalize (status=None leaves it PENDING)."""
        from mlflow.entities import LoggedModelOutput

        c = self.client
        m = c.create_logged_model(self.zoo, name=name, source_run_id=rid, tags=tags,
                                  model_type=model_type)
        if params:
            c.log_model_params(m.model_id, {k: str(v) for k, v in params.items()})
        if extra_tags:
            c.set_logged_model_tags(m.model_id, extra_tags)
        for key, value, ds in metrics:
            c.log_metric(rid, key, value, timestamp=self.tick(), step=step, model_id=m.model_id,
                         dataset_name=ds.name if ds else None, dataset_digest=ds.digest if ds else None)
        c.log_outputs(rid, [LoggedModelOutput(m.model_id, step)])
        if status is not None:
            c.finalize_logged_model(m.model_id, status)
        return m.model_id

    def register(self, model_id, name, *, description=None, tags=None):
        """mlflow.register_model("models:/<model_id>"): links the version to the logged model
        (model_id, run_id = source run) and tags the logged model with mlflow.modelVersions."""
        import contextlib
        import io

        import mlflow

        with contextlib.redirect_stderr(io.StringIO()):  # "Created version 'n' of model ..."
            mv = mlflow.register_model(f"models:/{model_id}", name, tags=tags)
        if description:
            self.client.update_model_version(name, mv.version, description=description)
        return mv.version

    def pyfunc_model(self, rid, name, ds):
        """A real, loadable pyfunc model (models-from-code; no pickling, no env inference)."""
        import contextlib
        import io

        import mlflow
        from mlflow.models.signature import ModelSignature
        from mlflow.types import ColSpec, Schema

        code = os.path.join(self.scratch, "length_scorer.py")
        with open(code, "w") as fh:
            fh.write(PYFUNC_CODE)
        mid = self.logged_model(rid, name, model_type="scorer", params={"threshold": 12},
                                tags={"framework": "pyfunc"}, status=None,
                                metrics=[("accuracy", 0.64, ds)])
        signature = ModelSignature(inputs=Schema([ColSpec("string", "prompt")]),
                                   outputs=Schema([ColSpec("long", "score"), ColSpec("long", "length")]))
        # model_id=...: artifacts go to the logged model we created; finalized READY on success.
        # Loading the code prints "Add type hints to the `predict` method ..." through a
        # warnings.simplefilter("once") that MLflow forces (utils/annotations.py
        # filter_user_warnings_once), so no warning filter silences it; drop stderr instead.
        with contextlib.redirect_stderr(io.StringIO()):
            mlflow.pyfunc.log_model(name=name, python_model=code, pip_requirements=["pandas"],
                                    signature=signature, model_id=mid)
        os.remove(code)
        return mid

    def model_zoo(self):
        c = self.client
        saved_clock, self.clock = self.clock, BASE_MS + 24 * 60 * MINUTE  # 2025-01-02
        self.zoo = zoo = c.create_experiment("model-zoo", tags={
            "team": "ml-platform",
            "mlflow.note.content": "Logged models (MLflow 3) and registered model versions.",
        })
        tags = {"suite": "reviews"}

        # Training runs with inputs: reviews-train is used by two runs, reviews-eval by three.
        small = self.run(zoo, "train-clf-small", tags=tags, params={"model": "logreg", "C": 1.0, "max_iter": 200},
                         metrics={"accuracy": 0.83, "f1": 0.8})
        train = self.dataset(small, "reviews-train", 30, "training", seed=11)
        evals = self.dataset(small, "reviews-eval", 10, "eval", seed=12)
        large = self.run(zoo, "train-clf-large", tags=tags, params={"model": "mlp", "hidden": 256, "epochs": 20},
                         metrics={"accuracy": 0.88, "f1": 0.86})
        self.dataset(large, "reviews-train", 30, "training", seed=11)
        self.dataset(large, "reviews-eval", 10, "eval", seed=12)
        hard = self.dataset(large, "reviews-hard", 6, "eval", seed=13)
        agent = self.run(zoo, "build-agent", user="bob", params={"llm": "gpt-4o", "temperature": 0.2},
                         metrics={"accuracy": 0.77})
        agent_ds = self.dataset(agent, "agent-evals", 8, "eval", seed=14)
        scorer = self.run(zoo, "package-scorer", params={"threshold": 12})
        self.dataset(scorer, "reviews-eval", 10, "eval", seed=12)
        del train

        # Logged models: several per run, all statuses, one without model_type.
        m_small = self.logged_model(small, "clf-small", model_type="classifier",
                                    params={"C": 1.0, "max_iter": 200}, tags={"framework": "sklearn"},
                                    metrics=[("accuracy", 0.81, evals), ("f1", 0.79, evals)])
        m_cal = self.logged_model(small, "clf-small-calibrated", model_type="classifier",
                                  params={"C": 1.0, "calibration": "isotonic"}, tags={"framework": "sklearn"},
                                  extra_tags={"calibrated": "true"}, step=1,
                                  metrics=[("accuracy", 0.83, evals), ("f1", 0.8, evals)])
        m_large = self.logged_model(large, "clf-large", model_type="classifier",
                                    params={"hidden": 256, "epochs": 20}, tags={"framework": "torch"},
                                    metrics=[("accuracy", 0.88, evals), ("accuracy", 0.71, hard),
                                             ("f1", 0.86, evals), ("latency_ms", 12.5, None)])
        self.logged_model(large, "clf-large-distilled", model_type="classifier", params={"hidden": 64},
                          tags={"framework": "torch"}, status="FAILED", metrics=[("accuracy", 0.52, evals)])
        m_wip = self.logged_model(large, "clf-large-wip", model_type="classifier", params={"hidden": 512},
                                  tags={"framework": "torch"}, status=None)  # stays PENDING
        m_agent = self.logged_model(agent, "support-agent", model_type="agent",
                                    params={"llm": "gpt-4o", "temperature": 0.2}, tags={"channel": "email"},
                                    metrics=[("accuracy", 0.74, agent_ds), ("answer_relevance", 0.8, agent_ds)])
        m_agent2 = self.logged_model(agent, "support-agent-v2", model_type="agent",
                                     params={"llm": "gpt-4o", "temperature": 0.0}, tags={"channel": "chat"},
                                     extra_tags={"mlflow.note.content": "Lower temperature, new prompt."},
                                     metrics=[("accuracy", 0.79, agent_ds), ("answer_relevance", 0.86, agent_ds)])
        self.logged_model(agent, "baseline", params={"rule": "keyword"})  # model_type unset, no metrics
        m_scorer = self.pyfunc_model(scorer, "length-scorer", evals)

        # Registry. Versions and stages use MLflow's clock; aliases, tags, descriptions are ours.
        c.create_registered_model("review-classifier", tags={"task": "classification", "owner": "alice"},
                                  description="Sentiment classifier for product reviews.")
        self.register(m_small, "review-classifier", tags={"validated": "true"}, description="Baseline logreg.")
        self.register(m_cal, "review-classifier", tags={"validated": "true", "calibrated": "true"})
        self.register(m_large, "review-classifier", tags={"validated": "false"}, description="MLP, best on eval.")
        gone = self.register(m_wip, "review-classifier")
        c.delete_model_version("review-classifier", gone)
        c.set_registered_model_alias("review-classifier", "champion", "3")
        c.set_registered_model_alias("review-classifier", "challenger", "2")
        c.transition_model_version_stage("review-classifier", "1", "Archived")
        c.transition_model_version_stage("review-classifier", "3", "Production")

        c.create_registered_model("Support Agent ✨", tags={"task": "agent"},
                                  description="Customer support agent.\n\nAnswers **email** and chat.")
        self.register(m_agent, "Support Agent ✨")
        self.register(m_agent2, "Support Agent ✨", tags={"eval": "passed"})
        c.set_registered_model_alias("Support Agent ✨", "champion", "2")
        c.transition_model_version_stage("Support Agent ✨", "1", "Staging")

        c.create_registered_model("length-scorer", tags={"task": "scoring", "loadable": "true"},
                                  description="Real pyfunc model: `models:/length-scorer@champion`.")
        self.register(m_scorer, "length-scorer", description="Scores prompts by length.")
        c.set_registered_model_alias("length-scorer", "champion", "1")

        c.create_registered_model("empty-model", tags={"owner": "bob"}, description="Registered, never versioned.")
        self.clock = saved_clock

    # -- content ---------------------------------------------------------------------------

    def populate(self):
        c = self.client
        r = self.rng

        # Default experiment (id 0 in both stores): one quick run.
        self.run("0", "smoke-test", params={"epochs": 1}, metrics={"loss": 0.9})

        # 0. Logged models (MLflow 3) and the model registry. Created here so the experiment sorts
        # just above Default by creation time; uses its own clock and RNG so nothing below moves.
        self.model_zoo()

        # 1. LLM benchmark: the filter `params.model = 'gpt-4o' and metrics.latency_p95 < 1200`.
        bench = c.create_experiment("llm-benchmark", tags={
            "team": "evals",
            "project/area": "nlp/benchmarks",
            "mlflow.note.content": "# LLM benchmark\n\nLatency and quality of hosted models.\n\n- p95 in ms\n- accuracy on `eval-v2`",
        })
        models = ["gpt-4o", "llama-3", "mistral"]
        statuses = ["FINISHED"] * 6 + ["FAILED", "KILLED"]
        for i in range(24):
            model = models[i % 3]
            base = {"gpt-4o": 900, "llama-3": 1300, "mistral": 1100}[model]
            status = statuses[i % len(statuses)]
            rid = self.run(bench, f"{model}-t{i // 3}", status=status, user=["alice", "bob"][i % 2], params={
                "model": model,
                "temperature": ["0.0", "0.2", "0.7", "1.0"][i % 4],
                "max_tokens": 256 * (1 + i % 3),
                "prompt_template": ["zero-shot", "few-shot", "chain-of-thought"][(i // 3) % 3],
            }, metrics={
                "latency_p95": round(base + r.uniform(-350, 350), 1),
                "latency_p50": round(base * 0.6 + r.uniform(-100, 100), 1),
                "accuracy": round(r.uniform(0.55, 0.93), 4),
                "cost_usd": round(r.uniform(0.01, 2.5), 3),
            }, tags={"stage": ["dev", "prod", "staging"][i % 3], "suite": "eval-v2"})
            if i % 4 == 0:
                self.dataset(rid, "eval-v2", 12, "eval", seed=1)
        # Two runs with the same start time: order falls back to run_id ASC.
        same = self.tick(3)
        for name in ("tie-a", "tie-b"):
            rid = c.create_run(bench, start_time=same, run_name=name, tags={"mlflow.user": "carol"}).info.run_id
            c.log_batch(rid, params=[__import__("mlflow").entities.Param("model", "gpt-4o")])
            c.set_terminated(rid, "FINISHED", end_time=same + MINUTE)
        # Left RUNNING.
        self.run(bench, "gpt-4o-live", status="RUNNING", params={"model": "gpt-4o"}, metrics={"latency_p95": 1000.5})
        deleted = self.run(bench, "gpt-4o-bad", params={"model": "gpt-4o"}, metrics={"latency_p95": 500.0})
        c.delete_run(deleted)

        # 2. Unicode experiment with a nested hyper-parameter sweep and training curves.
        jp = c.create_experiment("日本語-実験", tags={"言語": "日本語", "owner": "田中"})
        parent = self.run(jp, "sweep-親", status="RUNNING", tags={
            "mlflow.note.content": "## Sweep\n\nGrid over `lr` and `batch_size`.\n\n| lr | bs |\n|----|----|\n| 1e-3 | 32 |\n",
            "notes": "line one\nline two\n  indented line three",
        }, params={"optimizer": "adamw", "grid": "lr x batch_size"})
        trial_status = ["FINISHED", "FINISHED", "FAILED", "KILLED"]
        for t in range(4):
            lr = [1e-3, 3e-4, 1e-4, 3e-5][t]
            child = self.run(jp, f"trial-{t}", status=trial_status[t], parent=parent, params={
                "lr": lr, "batch_size": [32, 64][t % 2], "optimizer": "adamw", "seed": 42 + t,
            })
            self.training_curves(child, 300 if t < 2 else 120, lr, quality=0.95 - 0.07 * t)
            if t == 0:
                self.dataset(child, "wiki-ja", 20, "training", seed=2)
                self.dataset(child, "wiki-ja-dev", 8, "eval", seed=3)
            for fold in range(2):
                self.run(jp, f"trial-{t}-fold-{fold}", parent=child, params={"fold": fold}, metrics={
                    "val_accuracy": round(r.uniform(0.7, 0.95), 4),
                })

        # Long history (5000 steps), special float values, odd keys and values.
        edge = self.run(jp, "edge-cases", params={
            "long_param": "".join(r.choice("abcdefghij") for _ in range(5000)),
            "empty_param": "",
            "path/with/slash": "a/b",
            "key with spaces": "v a l u e",
            "unicode_ключ": "значение",
        }, tags={
            "multi_line": "first line\nsecond line\nthird line",
            "mlflow.note.content": "**Edge cases**: NaN, ±inf, 5000 steps.\n\n```\ncode block\n```",
            "empty_tag": "",
        }, metrics={"nan_metric": float("nan"), "inf_metric": float("inf"), "neg_inf_metric": float("-inf"),
                    "big": 1.2345678901234567e19, "tiny": 1e-12, "negative": -3.5, "zero": 0.0})
        walk, v = [], 0.0
        for _ in range(5000):
            v += r.gauss(0, 1)
            walk.append(v)
        self.curve(edge, "random_walk", walk, self.tick())
        # Latest value = max (step, timestamp, value), not the last line logged (section 2.3).
        from mlflow.entities import Metric
        t0 = self.tick()
        c.log_batch(edge, metrics=[Metric("out_of_order", 5.0, t0 + 30, 1), Metric("out_of_order", 7.0, t0 + 10, 3),
                                   Metric("out_of_order", 6.0, t0 + 5, 3), Metric("out_of_order", 1.0, t0 + 40, 2),
                                   Metric("mixed_nan", 1.0, t0, 0), Metric("mixed_nan", float("nan"), t0 + 1, 1),
                                   Metric("mixed_nan", float("inf"), t0 + 2, 2), Metric("mixed_nan", 2.0, t0 + 3, 3)])
        # One exact duplicate line: the file store keeps it, SQL drops it (the metrics primary key
        # in mlflow/store/tracking/dbmodels/models.py `SqlMetric` covers every column).
        c.log_batch(edge, metrics=[Metric("dup_metric", 1.5, t0, 0)])
        c.log_batch(edge, metrics=[Metric("dup_metric", 1.5, t0, 0)])
        nan_only = self.run(jp, "nan-run", metrics={"loss": float("nan"), "accuracy": float("nan")})
        c.delete_run(self.run(jp, "deleted-trial", status="FAILED", params={"lr": 0.1}, metrics={"loss": 9.9}))
        del nan_only

        # 3. Emoji experiment: the artifact tree.
        emoji = c.create_experiment("émoji 🚀 runs", tags={"purpose": "artifacts"})
        art = self.run(emoji, "artifact-zoo 🦓", params={"what": "artifacts"}, metrics={"files": 11})
        c.log_text(art, "hello, world\nsecond line\n", "hello.txt")
        c.log_dict(art, {"model": "gpt-4o", "layers": [1, 2, 3], "nested": {"ok": True, "ratio": 0.25}}, "config/model.json")
        c.log_dict(art, {"optimizer": "adamw", "schedule": {"warmup": 100, "decay": "cosine"}}, "config/train.yaml")
        rows = ["epoch,loss,accuracy"] + [f"{e},{2.0 / (e + 1):.4f},{0.5 + e * 0.04:.4f}" for e in range(10)]
        c.log_text(art, "\n".join(rows) + "\n", "metrics/history.csv")
        self.artifact_file(art, "plots/curve.png", png_bytes())
        self.artifact_file(art, "model/weights.bin", bytes(r.randrange(256) for _ in range(4096)))
        self.artifact_file(art, "model/empty.txt", b"")
        c.log_text(art, "Unicode file name\n", "docs/ünïcödé-файл 📄.txt")
        log = "".join(f"2025-01-01 00:{i // 60:02d}:{i % 60:02d} INFO step {i} loss={2.0 / (i + 1):.5f}\n" for i in range(200))
        c.log_text(art, log, "logs/train.log")
        c.log_text(art, "deep\n", "a/b/c/d/deep.txt")
        self.run(emoji, "no-artifacts", status="KILLED", user="bob")

        # 4. A deleted experiment with runs (its runs become deleted too).
        gone = c.create_experiment("archived-2024", tags={"reason": "superseded"})
        self.run(gone, "old-run-1", params={"model": "llama-3"}, metrics={"latency_p95": 1500.0})
        self.run(gone, "old-run-2", status="FAILED", params={"model": "gpt-4o"}, metrics={"latency_p95": 800.0})
        c.delete_experiment(gone)

        # 5. An experiment with no runs.
        c.create_experiment("empty-experiment")


def write_store(tracking_uri, cwd, scratch):
    from mlflow.tracking import MlflowClient

    import mlflow

    old = os.getcwd()
    os.chdir(cwd)  # the SQLite store resolves its default artifact root ./mlruns against cwd
    # Global URIs too: mlflow.register_model, pyfunc.log_model and the file registry store (which
    # looks logged models up through a fresh MlflowClient()) all use them.
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        Writer(MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri), scratch).populate()
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        os.chdir(old)


def main(argv):
    postgres = None
    if len(argv) == 4 and argv[1] == "--postgres":
        postgres, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = os.path.abspath(argv[1])
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    if postgres:
        return write_postgres(postgres, out)
    for sub in ("fs", "sqlite"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        os.makedirs(os.path.join(out, sub))
    import logging
    import warnings
    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch:
        write_store(os.path.join(out, "fs", "mlruns"), os.path.join(out, "fs"), scratch)
        write_store("sqlite:///" + os.path.join(out, "sqlite", "mlflow.db"), os.path.join(out, "sqlite"), scratch)
    print(f"wrote {out}/fs/mlruns and {out}/sqlite/mlflow.db")
    return 0


def write_postgres(uri, out):
    shutil.rmtree(os.path.join(out, "postgres"), ignore_errors=True)
    os.makedirs(os.path.join(out, "postgres"))
    import logging
    import warnings
    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch:
        write_store(uri, os.path.join(out, "postgres"), scratch)
    print(f"wrote the PostgreSQL store; artifacts in {out}/postgres/mlruns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
