"""flights on a real multi-process Spark: a standalone master and two one-core workers started from
the installed PySpark (``spark://127.0.0.1:…``), the code shipped only as the deploy step's
``--py-files`` zip, as on EMR and Glue. The warehouse must equal the one a local run (``local[2]``) of the
launcher builds from the same input with the same run id.

What this proves: nothing the pipeline does depends on the driver's ``sys.path`` or on state held
in the driver's JVM, and the artefacts of ``deploy.artefacts`` are complete. What it cannot prove on
one machine: that nothing assumes a filesystem shared by driver and executors (the lake is a local
folder that every process sees); on EMR and Glue the lake is ``s3://``. The flights plan runs no
Python on the executors (it is DataFrame code only), so a small probe application checks that a
Python task on an executor imports the project from the zip. The driver runs in client mode:
EMR's steps use ``--deploy-mode cluster``, which a standalone master refuses for Python apps.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyspark
import pytest

from deploy.artefacts import CODE_ZIP, ENTRY_SCRIPT, build_artefacts
from samples.flights import generate_flights
from tests.conftest import REPO

SPARK_BIN = Path(pyspark.__file__).resolve().parent / "bin"
WORKERS = 2
RUN_ID, RUN_DATE = "20150601T000000Z-c0ffee", "2015-06-01"  # one run id for both runs, as EMR's step passes
SHUFFLE_PARTITIONS = "4"
STARTUP_TIMEOUT_S, RUN_TIMEOUT_S = 180, 900
# Columns whose value legitimately differs between two runs of the same input: the load's wall
# clock, and the quarantine's record number (monotonically_increasing_id: unique within the run,
# but its value depends on how the quarantine JSON is partitioned, i.e. on the cores).
PER_RUN_COLUMNS = {"load_ledger": {"loaded_at"}, "quarantine": {"record_number"}}


def _base_env() -> dict[str, str]:
    """The test's environment without anything that could put the repository on a child's path
    or choose its Spark (scripts/test.sh exports PYTHONPATH=<repo>)."""
    drop = {"PYTHONPATH", "SPARK_HOME", "SPARK_MASTER", "SPARK_CONF_DIR", "PYSPARK_SUBMIT_ARGS"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable,
                  "PYSPARK_DRIVER_PYTHON": sys.executable}


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"--- {path}: absent"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path} (last {len(text)} lines)\n" + "\n".join(text)


def _die_with_parent() -> None:
    """In the daemon before it starts: the kernel kills it when the test process dies, also when
    pytest itself is killed and its teardown never runs (PR_SET_PDEATHSIG; spark-class execs the
    JVM, which keeps it)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


@dataclass
class Cluster:
    root: Path
    url: str = ""
    ui: str = ""
    procs: list[subprocess.Popen] = field(default_factory=list)

    def work_dir(self, i: int) -> Path:
        return self.root / f"worker-{i}" / "work"

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=10) as response:
            return json.load(response)

    def start(self, name: str, *args: str) -> None:
        env = _base_env() | {"SPARK_DAEMON_MEMORY": "512m"}
        with open(self.log(name), "wb") as out:
            # A session of its own: teardown kills the daemon with the executors it forked.
            self.procs.append(subprocess.Popen([str(SPARK_BIN / "spark-class"), *args], stdout=out,
                                               stderr=subprocess.STDOUT, env=env, cwd=self.root,
                                               start_new_session=True, preexec_fn=_die_with_parent))

    def wait_for(self, what: str, ready, timeout: float = STARTUP_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                assert proc.poll() is None, f"a Spark daemon exited ({proc.args})\n{self.diagnostics()}"
            try:
                got = ready()
            except OSError:
                got = None
            if got:
                return got
            time.sleep(0.5)
        pytest.fail(f"the standalone cluster: no {what} after {timeout} s\n{self.diagnostics()}")

    def stop(self) -> None:
        for proc in reversed(self.procs):  # workers (and their executors) first, then the master
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            try:  # whatever is left of the group, also when the daemon itself has already exited
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()

    def diagnostics(self) -> str:
        parts = [_tail(self.log("master"))]
        for i in range(WORKERS):
            parts.append(_tail(self.log(f"worker-{i}")))
            parts += [_tail(p, 25) for p in sorted(self.work_dir(i).glob("app-*/*/stderr"))]
        return "\n".join(parts)


def _logged(path: Path, pattern: str) -> str | None:
    match = re.search(pattern, path.read_text(errors="replace")) if path.exists() else None
    return match[1] if match else None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", "0", "--webui-port", "0")  # free ports chosen by the master, read from its log
        c.url = c.wait_for("master URL", lambda: _logged(c.log("master"), r"Starting Spark master at (spark://\S+)"))
        port = c.wait_for("master web UI", lambda: _logged(c.log("master"), r"service 'MasterUI' on port (\d+)"))
        c.ui = f"http://127.0.0.1:{port}"
        for i in range(WORKERS):
            c.work_dir(i).mkdir(parents=True)
            c.start(f"worker-{i}", "org.apache.spark.deploy.worker.Worker", c.url, "--host", "127.0.0.1",
                    "--cores", "1", "--memory", "1g", "--webui-port", "0", "--work-dir", str(c.work_dir(i)))
        c.wait_for(f"{WORKERS} ALIVE workers",
                   lambda: sum(w["state"] == "ALIVE" for w in c.state()["workers"]) == WORKERS)
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def vendor_files(tmp_path_factory) -> Path:
    """Generated flights files with a duplicate, a bad number and a cut-off last line, so the
    quarantine has rows to compare too."""
    out = tmp_path_factory.mktemp("vendor")
    generate_flights(out, scale=0.001, seed=11)
    header, *body = (out / "flights.csv").read_bytes().split(b"\r\n")
    bad_number = body[20].replace(b",0,0,", b",x,0,", 1) if b",0,0," in body[20] else body[20] + b"x"
    cut_off = body[-1][: len(body[-1]) // 2]
    body = [*body[:20], bad_number, *body[21:-1], body[10], cut_off]
    (out / "flights.csv").write_bytes(b"\r\n".join([header, *body]))
    return out


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    """The deploy step's artefact set (code zip + entry script), outside the repository."""
    return build_artefacts(tmp_path_factory.mktemp("artefacts")).folder


def _job_args(vendor_files: Path, root: Path) -> list[str]:
    return ["flights", "--input", str(vendor_files), "--lake", str(root / "lake"),
            "--warehouse", f"duckdb:{root / 'wh.duckdb'}", "--steps", "land,transform,load",
            "--run-id", RUN_ID, "--run-date", RUN_DATE]


@dataclass
class Run:
    root: Path
    proc: subprocess.Popen

    @property
    def log(self) -> Path:
        return self.root / "driver.log"

    @property
    def warehouse(self) -> Path:
        return self.root / "wh.duckdb"


def _launch(cmd: list[str], root: Path, env: dict[str, str]) -> Run:
    (root / "cwd").mkdir(parents=True)
    with open(root / "driver.log", "wb") as out:
        return Run(root, subprocess.Popen(cmd, cwd=root / "cwd", env=env, stdout=out, stderr=subprocess.STDOUT))


@pytest.fixture(scope="module")
def runs(cluster, vendor_files, artefacts, tmp_path_factory) -> dict[str, Run]:
    """The same input and run id twice, at the same time: ./spark-submit.sh locally (local[2]:
    the cluster's task slots) and spark-submit on the cluster with only the zip (no repository on any path)."""
    local_root, cluster_root = tmp_path_factory.mktemp("local"), tmp_path_factory.mktemp("on_cluster")
    local = _launch([str(REPO / "spark-submit.sh"), *_job_args(vendor_files, local_root)], local_root,
                    _base_env() | {"SPARK_DRIVER_MEMORY": "1g", "SPARK_SHUFFLE_PARTITIONS": SHUFFLE_PARTITIONS,
                                   # as many task slots as the cluster's two one-core workers, on any machine
                                   "SPARK_MASTER": "local[2]"})
    on_cluster = _launch([
        str(SPARK_BIN / "spark-submit"), "--master", cluster.url, "--driver-memory", "1g",
        "--conf", "spark.ui.showConsoleProgress=false", "--conf", f"spark.sql.shuffle.partitions={SHUFFLE_PARTITIONS}",
        "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=file://{cluster_root}",
        "--py-files", str(artefacts / CODE_ZIP), str(artefacts / ENTRY_SCRIPT),
        *_job_args(vendor_files, cluster_root)], cluster_root, _base_env())
    try:
        for run in (local, on_cluster):
            run.proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        for run in (local, on_cluster):
            if run.proc.poll() is None:
                run.proc.kill()
                run.proc.wait()
    assert local.proc.returncode == 0, f"local run failed\n{_tail(local.log, 80)}"
    assert on_cluster.proc.returncode == 0, f"cluster run failed\n{_tail(on_cluster.log, 80)}\n{cluster.diagnostics()}"
    return {"local": local, "cluster": on_cluster}


def _warehouse_content(warehouse: Path, lake: Path) -> dict[str, Counter]:
    """Every table and view: its rows as a multiset, without the per-run columns and with the
    run's own lake folder (in manifest URIs and quarantined files' paths) written as <lake>."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for (name,) in con.execute("select table_name from information_schema.tables order by 1").fetchall():
            columns = [c for (c,) in con.execute("select column_name from information_schema.columns where "
                                                 "table_name = ? order by ordinal_position", [name]).fetchall()
                       if c not in PER_RUN_COLUMNS.get(name, ())]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {quoted} from "{name}"')
            out[name] = Counter(tuple(v.replace(str(lake), "<lake>") if isinstance(v, str) else v for v in row)
                                for row in rows.fetchall())
        return out
    finally:
        con.close()


def _app(cluster: Cluster) -> dict:
    """The flights application, once the master has recorded its end (it does so asynchronously)."""
    apps = cluster.wait_for("finished flights application", lambda: [
        a for a in cluster.state()["completedapps"] if a["name"] == "constellation-flights"], timeout=60)
    assert len(apps) == 1, f"expected one finished flights application on the master: {apps}"
    return apps[0]


def test_the_cluster_builds_the_same_warehouse_as_local(runs):
    local = _warehouse_content(runs["local"].warehouse, runs["local"].root / "lake")
    remote = _warehouse_content(runs["cluster"].warehouse, runs["cluster"].root / "lake")
    assert sorted(remote) == sorted(local)
    assert sum(local["fact_flight"].values()) > 5000 and sum(local["quarantine"].values()) == 3
    differing = {}
    for name in local:
        if remote[name] != local[name]:
            only_local, only_cluster = local[name] - remote[name], remote[name] - local[name]
            differing[name] = {"only local": list(only_local)[:3], "only cluster": list(only_cluster)[:3],
                               "counts": (sum(only_local.values()), sum(only_cluster.values()))}
    assert not differing, differing


def test_tasks_ran_on_both_workers_with_the_zip_they_were_given(runs, cluster, artefacts):
    app = _app(cluster)
    assert app["state"] == "FINISHED"
    zip_sha = hashlib.sha256((artefacts / CODE_ZIP).read_bytes()).hexdigest()
    events = [json.loads(line) for f in runs["cluster"].root.glob(f"{app['id']}*") for line in f.open()]
    tasks = Counter(e["Task Info"]["Executor ID"] for e in events if e["Event"] == "SparkListenerTaskEnd")
    for i in range(WORKERS):
        executors = sorted(cluster.work_dir(i).glob(f"{app['id']}/*"))  # <work-dir>/<app>/<executor id>
        assert executors, f"worker {i} ran no executor of {app['id']}\n{cluster.diagnostics()}"
        assert sum(tasks[e.name] for e in executors) > 0, f"worker {i}: no task; tasks per executor: {tasks}"
        for e in executors:  # an executor fetches the --py-files zip into its folder
            assert hashlib.sha256((e / CODE_ZIP).read_bytes()).hexdigest() == zip_sha


def test_without_the_zip_the_entry_script_cannot_import_the_code(artefacts, tmp_path):
    """The control: the cluster run's entry script, environment and working folder, minus
    --py-files, do not find the packages (so the cluster run used the zip)."""
    done = subprocess.run([sys.executable, str(artefacts / ENTRY_SCRIPT), "flights", "--help"], cwd=tmp_path,
                          env=_base_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "No module named 'jobs'" in done.stderr, done.stderr


PROBE = """
import os, sys
from pyspark.sql import SparkSession

def where(_):
    import jobs.spark, transforms
    yield os.getcwd(), jobs.spark.__file__, transforms.__file__

spark = SparkSession.builder.appName("constellation-probe").getOrCreate()
for row in spark.sparkContext.parallelize(range(8), 8).mapPartitions(where).distinct().collect():
    print("PROBE", *row)
spark.stop()
"""


def test_python_tasks_on_the_executors_import_the_project_from_the_zip(runs, cluster, artefacts, tmp_path):
    (tmp_path / "probe.py").write_text(PROBE)
    done = subprocess.run([str(SPARK_BIN / "spark-submit"), "--master", cluster.url, "--driver-memory", "512m",
                           "--py-files", str(artefacts / CODE_ZIP), str(tmp_path / "probe.py")],
                          cwd=tmp_path, env=_base_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + cluster.diagnostics()
    seen = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert seen
    work_dirs = [str(cluster.work_dir(i)) for i in range(WORKERS)]
    for cwd, jobs_file, transforms_file in seen:
        assert any(cwd.startswith(w) for w in work_dirs), cwd  # an executor's folder, not the driver's
        zipped = os.path.join(cwd, CODE_ZIP)  # the executor's copy of the zip (the path may be relative to it)
        assert os.path.normpath(os.path.join(cwd, jobs_file)) == os.path.join(zipped, "jobs", "spark.py")
        assert os.path.normpath(os.path.join(cwd, transforms_file)).startswith(zipped + os.sep)
