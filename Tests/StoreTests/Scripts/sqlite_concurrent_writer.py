"""Logs batches to one run of an SQLite store through MLflow's own SqlAlchemyStore while mltui
writes and reads the same file, for SQLWriterConcurrencyTests.

    python sqlite_concurrent_writer.py DB RUN_ID BATCHES

Creates DB.started once the store is open, just before the first batch, so mltui's writers can
start with it.

Batch i logs metric "py" at steps 10*i .. 10*i+9 and tag "py_i" = i. Prints
{"done": <batches written>, "errors": [<messages>]}; an error ("database is locked") is counted,
not retried, so the test sees every one.
"""

import json
import sys

from mlflow.entities import Metric, RunTag
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

db, run_id, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = SqlAlchemyStore(f"sqlite:///{db}", "/tmp/unused-artifact-root")
open(db + ".started", "w").close()
done, errors = 0, []
for i in range(batches):
    try:
        store.log_batch(run_id, [Metric("py", float(i), 1000 + i, 10 * i + j) for j in range(10)], [],
                        [RunTag(f"py_{i % 20}", str(i))])
        done += 1
    except Exception as e:
        errors.append(str(e).split("\n")[0])
print(json.dumps({"done": done, "errors": errors}))
