"""A mixed read/write workload of real clients with invariants checked while it runs and at the end.

Shared by the concurrency and database-fault tests. Operations:

* ``cas``: increment parameter ``n`` of ``counter`` with alter_table's expected_parameter_key/value
  compare-and-swap; each success is counted by its client, so the final ``n`` proves no lost update.
* ``blind``: alter ``shared`` without CAS to a generation ``g`` (three parameters = g and g % 5 + 1
  columns); ``read`` checks every table it sees is one whole generation (never half-written).
* ``race``: add_partitions of batch b (5 partitions) to ``parts``, all clients racing on the same
  batches; exactly one may succeed per batch, the others get AlreadyExistsException.
* ``list``: partition names must be whole batches, without duplicates.
* ``phoenix``: drop and recreate one of four tables; readers see it whole or NoSuchObjectException.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hive_metastore.ttypes import (
    AlreadyExistsException,
    EnvironmentContext,
    FieldSchema,
    InvalidOperationException,
    MetaException,
    NoSuchObjectException,
)
from thrift.Thrift import TException
from thrift.transport.TTransport import TTransportException

from metastore.wire.errors import RETRYABLE_MARKER
from tests.reliability import clients as c

DB = "cc"
BATCHES, PER_BATCH, PHOENIXES = 300, 5, 4
CAS_CONFLICT = "The table has been modified"
OPS = ["cas"] * 3 + ["blind"] * 2 + ["read"] * 3 + ["race"] * 2 + ["list"] * 2 + ["phoenix"]


def setup(host: str, port: int) -> None:
    client = c.connect(host, port)
    try:
        client.create_database(c.database(DB))
        client.create_table(c.table(DB, "counter", params={"n": "0"}, partition_keys=()))
        client.create_table(c.table(DB, "shared", params={"a": "0", "b": "0", "c": "0"}, partition_keys=()))
        client.create_table(c.table(DB, "parts"))
        for j in range(PHOENIXES):
            client.create_table(c.table(DB, f"phoenix{j}", partition_keys=()))
    finally:
        c.close(client)


def batch_values(b: int) -> list[str]:
    return [f"b{b:03d}-{k}" for k in range(PER_BATCH)]


@dataclass(eq=False)
class Worker(threading.Thread):
    host: str
    port: int
    seed: int
    deadline: float
    ok: Counter = field(default_factory=Counter)
    expected_errors: Counter = field(default_factory=Counter)
    retryable: Counter = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    increments: int = 0
    batches_won: list[int] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    reconnects: int = 0
    # Writes whose outcome a retryable error left unknown (the commit may have happened before the fault).
    uncertain_increments: int = 0
    uncertain_batches: list[int] = field(default_factory=list)
    current_batch: int = -1

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True)
        self.rng = random.Random(self.seed)
        self.client: Any = None

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                op = self.rng.choice(OPS)
                started = time.perf_counter()
                try:
                    if self.client is None:
                        self.client = self.connect()
                    getattr(self, op)()
                    self.ok[op] += 1
                    self.latencies.setdefault(op, []).append(time.perf_counter() - started)
                except MetaException as e:
                    if e.message.startswith(RETRYABLE_MARKER):
                        self.retryable[op] += 1
                        self.uncertain_increments += op == "cas"
                        if op == "race":
                            self.uncertain_batches.append(self.current_batch)
                    elif op == "cas" and CAS_CONFLICT in e.message:
                        self.expected_errors["cas conflict"] += 1
                    else:
                        self.violations.append(f"{op}: MetaException {e.message}")
                except TException as e:
                    # get_partition_names answers every error in result slot 1, which Hive 4 bindings
                    # decode as NoSuchObjectException (metastore/wire/errors.py): the marker still says retry.
                    if not getattr(e, "message", "").startswith(RETRYABLE_MARKER):
                        raise
                    self.retryable[op] += 1
                except (TTransportException, ConnectionError, OSError, EOFError) as e:
                    self.retryable[f"{op} (connection lost)"] += 1
                    self.violations.extend(self.on_connection_lost(op, e))
                    self._drop_client()
        except Exception as e:  # noqa: BLE001 - a checked invariant or an unexpected exception
            self.violations.append(f"{type(e).__name__}: {e}")
        finally:
            self._drop_client()

    def connect(self) -> Any:
        return c.connect(self.host, self.port)

    def on_connection_lost(self, op: str, error: Exception) -> list[str]:
        """Faults tests accept lost connections (the client reconnects); the concurrency test does not."""
        return [f"{op}: connection lost: {error!r}"]

    def _drop_client(self) -> None:
        if self.client is not None:
            try:
                c.close(self.client)
            except Exception:  # noqa: BLE001, S110
                pass
            self.client = None
            self.reconnects += 1

    # -- operations ---------------------------------------------------------------------------------

    def cas(self) -> None:
        table = self.client.get_table(DB, "counter")
        n = table.parameters["n"]
        table.parameters["n"] = str(int(n) + 1)
        ctx = EnvironmentContext(properties={"expected_parameter_key": "n", "expected_parameter_value": n})
        self.client.alter_table_with_environment_context(DB, "counter", table, ctx)
        self.increments += 1

    def blind(self) -> None:
        table = self.client.get_table(DB, "shared")
        g = self.rng.randrange(1_000_000)
        table.parameters.update(a=str(g), b=str(g), c=str(g))
        table.sd.cols = [FieldSchema(name=f"c{k}", type="int") for k in range(g % 5 + 1)]
        self.client.alter_table(DB, "shared", table)

    def read(self) -> None:
        table = self.client.get_table(DB, "shared")
        p = table.parameters
        if not (p["a"] == p["b"] == p["c"] and len(table.sd.cols) == int(p["a"]) % 5 + 1):
            self.violations.append(f"half-written table: params {p}, {len(table.sd.cols)} columns")

    def race(self) -> None:
        b = self.current_batch = self.rng.randrange(BATCHES)
        sd = self.client.get_table(DB, "parts").sd
        try:
            self.client.add_partitions([c.partition(DB, "parts", [v], sd) for v in batch_values(b)])
            self.batches_won.append(b)
        except AlreadyExistsException:
            self.expected_errors["add_partitions already exists"] += 1

    def list(self) -> None:
        names = self.client.get_partition_names(DB, "parts", -1)
        if len(names) != len(set(names)):
            self.violations.append(f"duplicate partitions: {sorted(n for n in names if names.count(n) > 1)}")
        seen = Counter(n.split("=")[1].split("-")[0] for n in names)
        partial = {b: k for b, k in seen.items() if k != PER_BATCH}
        if partial:
            self.violations.append(f"half-written partition batches seen: {partial}")

    def phoenix(self) -> None:
        name = f"phoenix{self.rng.randrange(PHOENIXES)}"
        action = self.rng.choice(["drop", "create", "get"])
        try:
            if action == "drop":
                self.client.drop_table(DB, name, True)
            elif action == "create":
                self.client.create_table(c.table(DB, name, partition_keys=()))
            else:
                table = self.client.get_table(DB, name)
                if [col.name for col in table.sd.cols] != ["id"]:
                    self.violations.append(f"half-written {name}: {table.sd.cols}")
        except NoSuchObjectException:
            self.expected_errors[f"phoenix {action}: no such table"] += 1
        except AlreadyExistsException:
            self.expected_errors["phoenix create: already exists"] += 1
        except InvalidOperationException as e:
            self.violations.append(f"phoenix {action}: {e.message}")


def final_state(host: str, port: int) -> tuple[int, list[str]]:
    client = c.connect(host, port)
    try:
        return int(client.get_table(DB, "counter").parameters["n"]), client.get_partition_names(DB, "parts", -1)
    finally:
        c.close(client)


def run(host: str, port: int, clients: int, seconds: float, worker_cls: type[Worker] = Worker) -> list[Worker]:
    deadline = time.monotonic() + seconds
    workers = [worker_cls(host, port, seed, deadline) for seed in range(clients)]
    for w in workers:
        w.start()
    return workers


def check(workers: list[Worker], host: str, port: int) -> dict[str, Any]:
    """Join the workers and assert the end-state invariants; returns the figures for the report."""
    for w in workers:
        w.join(120)
        assert not w.is_alive(), "a client hung"
    violations = [v for w in workers for v in w.violations]
    assert violations == [], violations[:20]
    n, names = final_state(host, port)
    increments = sum(w.increments for w in workers)
    uncertain = sum(w.uncertain_increments for w in workers)
    assert increments <= n <= increments + uncertain, (
        f"lost update: counter {n}, acknowledged increments {increments} (+{uncertain} of unknown outcome)")
    won = Counter(b for w in workers for b in w.batches_won)
    assert all(k == 1 for k in won.values()), f"a batch was added twice: {won}"
    maybe = {b for w in workers for b in w.uncertain_batches}
    present = {name.split("=")[1].split("-")[0] for name in names}
    acknowledged = {f"b{b:03d}" for b in won}
    assert acknowledged <= present, f"acknowledged batches lost: {sorted(acknowledged - present)}"
    assert present <= acknowledged | {f"b{b:03d}" for b in maybe}, "partitions nobody added"
    assert len(names) == len(set(names)) == len(present) * PER_BATCH, "duplicate or partial batches"
    ok = sum((w.ok for w in workers), Counter())
    return {"ok": dict(ok), "increments": increments, "batches": len(won),
            "expected_errors": dict(sum((w.expected_errors for w in workers), Counter())),
            "retryable": dict(sum((w.retryable for w in workers), Counter())),
            "calls": sum(ok.values())}
