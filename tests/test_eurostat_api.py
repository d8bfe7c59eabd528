"""The eurostat pipeline against a real local HTTP server standing in for Eurostat's API
(pytest-httpserver on 127.0.0.1). The server answers the statistics API from the generated
pjanind3 cells, encoded here as JSON-stat 2.0 by a small encoder of its own (independent of the
sample generator's), and injects the faults Eurostat's API really has: 429 with Retry-After, a
500, 413 EXTRACTION_TOO_BIG that forces a split, asynchronous replies (SUBMITTED → PROCESSING →
AVAILABLE, and EXPIRED then resubmitted), and a body cut short (a raw socket server)."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.main import main
from samples.eurostat import VINTAGES, generate_eurostat
from schemas.eurostat import INDICATOR_DATASET
from tests.test_eurostat_marts import raw_cells
from tests.test_http_source import truncating_server

IND_KEY = "freq, indicator_code, unit, geo_code, time_period"
FIRST, LAST = 2014, 2022  # the first generated publication's years


def level(geo: str) -> str:
    return "aggregate" if "_" in geo or len(geo) > 5 or geo[:2] in ("EU", "EA") else \
        ("country", "nuts1", "nuts2", "nuts3")[len(geo) - 2]


def encode(cells: dict[tuple, tuple], first: int, last: int, geo_level: str | None) -> dict:
    """A JSON-stat 2.0 dataset of the cells in [first, last] (and of one NUTS level)."""
    chosen = {k: v for k, v in cells.items() if first <= k[-1] <= last and (geo_level is None or
                                                                             level(k[3]) == geo_level)}
    ids = ["freq", "indic_de", "unit", "geo", "time"]
    cats = [sorted({k[i] for k in chosen}) for i in range(4)] + [[str(y) for y in range(first, last + 1)]]
    sizes = [len(c) for c in cats]
    strides = [math.prod(sizes[i + 1:]) for i in range(len(ids))]
    values, status = {}, {}
    for key, (value, flags) in chosen.items():
        coords = [*key[:4], str(key[4])]
        p = sum(cats[i].index(c) * strides[i] for i, c in enumerate(coords))
        if value is not None:
            values[str(p)] = int(value) if value == value.to_integral_value() else float(value)
            if flags:
                status[str(p)] = flags
        else:
            status[str(p)] = flags.removeprefix(":") or ":"
    return {"version": "2.0", "class": "dataset", "id": ids, "size": sizes, "value": values, "status": status,
            "dimension": {d: {"category": {"index": {c: i for i, c in enumerate(cats[n])},
                                           "label": {c: c for c in cats[n]}}} for n, d in enumerate(ids)},
            "extension": {"id": INDICATOR_DATASET.upper()}}


class Eurostat:
    """The fake API: data requests, async status and data, and a plan of faults by request."""

    def __init__(self, cells: dict[tuple, tuple]) -> None:
        self.cells = cells
        self.log: list[str] = []
        self.faults: dict[str, list[str]] = {}  # request name -> faults still to inject, in order
        self.jobs: dict[str, dict] = {}

    def __call__(self, request: Request) -> Response:
        self.log.append(request.full_path)
        path = request.path
        if path.startswith("/1.0/async/status/"):
            job = self.jobs[path.rsplit("/", 1)[1]]
            status = job["states"].pop(0) if len(job["states"]) > 1 else job["states"][0]
            return Response(f'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
                            f'<ns0:queryStatus xmlns:ns0="http://estat.ec.europa.eu/ws/async"><ns0:key>{job["key"]}'
                            f'</ns0:key><ns0:status>{status}</ns0:status></ns0:queryStatus></env:Body></env:Envelope>',
                            content_type="application/xml")
        if path.startswith("/1.0/async/data/"):
            return self.data(self.jobs[path.rsplit("/", 1)[1]]["args"])
        assert path == f"/statistics/1.0/data/{INDICATOR_DATASET}", path
        args = request.args
        name = f"{args['sinceTimePeriod']}-{args['untilTimePeriod']}" + (f"-{args['geoLevel']}" if "geoLevel" in args
                                                                          else "")
        fault = self.faults.get(name, []).pop(0) if self.faults.get(name) else None
        if fault == "429":
            return Response("Too many requests", status=429, headers={"Retry-After": "1"})
        if fault == "500":
            return Response("Internal error", status=500)
        if fault == "413":
            return Response('<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>413</faultcode>'
                            "<faultstring>EXTRACTION_TOO_BIG: The requested extraction is too big, estimated 420709314 "
                            "rows, max authorised is 5000000</faultstring></S:Fault>", status=413)
        if fault in ("async", "async-expired"):
            key = f"key-{len(self.jobs)}"
            states = ["SUBMITTED", "PROCESSING", "AVAILABLE"] if fault == "async" else ["SUBMITTED", "EXPIRED"]
            self.jobs[key] = {"key": key, "states": states, "args": dict(args)}
            return Response(json.dumps({"warning": {"status": 413, "label": "ASYNCHRONOUS_RESPONSE. Your request will "
                                                    "be treated asynchronously. Please try again later."},
                                        "key": key, "status": "SUBMITTED"}), content_type="application/json")
        return self.data(args)

    def data(self, args) -> Response:
        doc = encode(self.cells, int(args["sinceTimePeriod"]), int(args["untilTimePeriod"]), args.get("geoLevel"))
        return Response(json.dumps(doc), content_type="application/json")


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    root = tmp_path_factory.mktemp("eurostat_api_data")
    generate_eurostat(root, scale=0.01, seed=3)
    return raw_cells(root / VINTAGES[0].isoformat() / f"estat_{INDICATOR_DATASET}.tsv.gz")


@pytest.fixture()
def api(httpserver: HTTPServer, cells):
    fake = Eurostat(cells)
    httpserver.expect_request(re.compile("^/.*")).respond_with_handler(fake)  # every path
    fake.url = httpserver.url_for("/").rstrip("/")
    return fake


def run(root: Path, api: Eurostat, *args: str) -> int:
    return main(["eurostat", "--source", "api", "--base-url", api.url, "--datasets", INDICATOR_DATASET,
                 "--as-of", VINTAGES[0].isoformat(), "--first-year", str(FIRST), "--last-year", str(LAST),
                 "--years-per-request", "5", "--poll-seconds", "0.05", "--requests-per-minute", "6000",
                 "--retries", "2", "--lake", str(root / "lake"), "--warehouse", f"duckdb:{root / 'wh.duckdb'}", *args])


def as_of(wh: Path, day: date) -> dict[tuple, tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        found = con.execute(f"select {IND_KEY}, value, flags from fact_eurostat_indicator where valid_from <= "
                            f"DATE '{day}' and (valid_to is null or valid_to > DATE '{day}')").fetchall()
    finally:
        con.close()
    return {tuple(r[:-2]): tuple(r[-2:]) for r in found}


def test_every_fault_ends_in_a_retry_that_succeeds_and_the_cells_are_exact(spark, tmp_path, api, cells):
    api.faults = {"2014-2018": ["429", "413"],  # rate limited, then too big: split into 2014-2016, 2017-2018
                  "2014-2016": ["500", "async"],  # a server error, then an asynchronous reply
                  "2017-2018": ["async-expired"],  # expires: resubmitted once, then answered at once
                  "2019-2022": ["413"], "2019-2020": ["413"], "2019-2019": ["413"]}  # down to NUTS levels
    assert run(tmp_path, api) == 0
    assert as_of(tmp_path / "wh.duckdb", VINTAGES[0]) == cells
    requests = [p.split("?", 1)[0] for p in api.log]
    assert requests.count("/1.0/async/status/key-0") == 3 and "/1.0/async/data/key-0" in requests
    assert "/1.0/async/status/key-1" in requests and "/1.0/async/data/key-1" not in requests
    assert sum("geoLevel=" in p for p in api.log) == 5  # 2019 by each of the five levels
    raw = list((tmp_path / "lake" / "raw" / "eurostat").rglob("*"))
    assert len([p for p in raw if p.suffix == ".notice"]) == 2  # async notices kept as landed, never parsed
    assert len([p for p in raw if p.suffix == ".json"]) == 1 + 1 + 5 + 1 + 1  # 14-16, 17-18, 2019 x5, 2020, 21-22


def test_a_body_cut_short_fails_in_one_line_and_publishes_nothing(spark, tmp_path, capsys):
    fake = Eurostat({})
    with truncating_server(declared=5000, sent=b'{"version": "2.0", "class": "dataset", "id": ["freq"') as (base, _):
        fake.url = base
        capsys.readouterr()
        assert run(tmp_path, fake) == 3
    first = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("error:"))
    assert first.startswith("error: bad input: GET http://") and "response body cut short: got 52 bytes" in first
    assert not list((tmp_path / "lake").glob("_runs/*.json")) and not (tmp_path / "wh.duckdb").exists()
    assert not [p for p in (tmp_path / "lake").rglob("*.json") if "raw" in p.parts]  # nothing half-landed


def test_a_server_that_keeps_failing_is_named_with_its_status(spark, tmp_path, api, capsys):
    api.faults = {"2014-2018": ["500"] * 3}
    capsys.readouterr()
    assert run(tmp_path, api) == 3
    first = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("error:"))
    assert "HTTP 500 Internal Server Error after 3 attempts" in first and "sinceTimePeriod=2014" in first
    assert not list((tmp_path / "lake").glob("_runs/*.json"))
