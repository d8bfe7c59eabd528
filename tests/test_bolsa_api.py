"""The Portal da Transparência extraction against a real local HTTP server standing in for the
portal (pytest-httpserver on 127.0.0.1; nothing leaves the machine, no Spark).

The fake portal serves generated records in the portal's layout (id, dataReferencia, municipio
with its UF, tipo, valor, quantidadeBeneficiados), a few per (month, municipality) so that a
sequence spans several pages, checks the key header, and injects the faults the real portal has:
429 with Retry-After, 5xx, 401 for a wrong key, months with no data, and a hard failure after a
number of requests (an outage, or the process killed) to prove the extraction resumes.

Waits: backoff is 0, a Retry-After is 1 s at most, the rate limiter runs on a fake clock.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.config import ConfigError
from jobs.logs import THIRD_PARTY_LOGGERS
from jobs.manifest import InputFile
from jobs.sources.http import Checkpoint, HttpSourceError
from jobs.sources.transparencia import (
    DEFAULT_BASE_URL,
    KEY_ENV,
    KEY_HEADER,
    KEY_SECRET_ARN_ENV,
    SOURCE,
    TransparenciaSettings,
    extract_api,
    months_between,
)

SECRET = "t0ken-5e1f9a7c-never-to-be-seen"
WRONG = "wr0ng-3c2b1a09-never-to-be-seen-either"
CODES = ["2800100", "2800209", "2800308"]
PAGE_SIZE = 2
TIPOS = {  # generated labels in the portal's shape
    "bolsa-familia-por-municipio": (1, "Bolsa Família"),
    "auxilio-brasil-por-municipio": (2, "Auxílio Brasil"),
    "novo-bolsa-familia-por-municipio": (3, "Novo Bolsa Família"),
}


class Portal:
    """``/api-de-dados/<endpoint>?mesAno&codigoIbge&pagina``: generated records, ``PAGE_SIZE`` a
    page, ``[]`` past the end; 401 without the right key; faults by request."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, str, int]] = []  # (endpoint, month, code, page) of each request
        self.keys_seen: list[str | None] = []
        self.faults: dict[tuple[str, str, int], list[Response]] = {}  # (month, code, page) -> replies first
        self.empty_months: set[str] = set()
        self.fail_after: int | None = None  # requests after this many get a 503
        self.bodies: dict[tuple[str, str, str, int], bytes] = {}
        self.deny_status = 401  # what a wrong key gets

    def records(self, endpoint: str, month: str, code: str) -> list[dict]:
        if month in self.empty_months:
            return []
        count = (int(code) // 100 + int(month)) % 4 + 1  # 1 to 4: one to two pages of records
        tipo_id, tipo = TIPOS.get(endpoint, (9, endpoint))
        return [{"id": int(month) * 1000 + int(code[-3:]) * 10 + i,
                 "dataReferencia": f"01/{month[4:]}/{month[:4]}",
                 "municipio": {"codigoIBGE": code, "nomeIBGE": f"MUNICÍPIO {code}", "nomeIBGEsemAcento":
                               f"MUNICIPIO {code}", "pais": "BRASIL", "uf": {"sigla": "SE", "nome": "SERGIPE"}},
                 "tipo": {"id": tipo_id, "descricao": tipo, "descricaoDetalhada": tipo},
                 "valor": float(int(code[-3:]) * 100 + int(month[4:]) + i),
                 "quantidadeBeneficiados": int(code[-3:]) + i}
                for i in range(count)]

    def body(self, endpoint: str, month: str, code: str, page: int) -> bytes:
        chunk = self.records(endpoint, month, code)[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return json.dumps(chunk, ensure_ascii=False, indent=4).encode() if chunk else b"[]"

    def pages(self, endpoint: str, month: str, code: str) -> int:
        """Pages of a sequence, the empty last one included."""
        return -(-len(self.records(endpoint, month, code)) // PAGE_SIZE) + 1

    def __call__(self, request: Request) -> Response:
        endpoint = request.path.removeprefix("/api-de-dados/")
        month, code, page = request.args["mesAno"], request.args["codigoIbge"], int(request.args["pagina"])
        self.log.append((endpoint, month, code, page))
        self.keys_seen.append(request.headers.get(KEY_HEADER))
        if request.headers.get(KEY_HEADER) != SECRET:
            echoed = request.headers.get(KEY_HEADER)  # a server that echoes the key it refused
            return Response(f'{{"mensagem": "chave {echoed} inválida"}}', status=self.deny_status)
        if self.fail_after is not None and len(self.log) > self.fail_after:
            return Response("Service Unavailable", status=503)
        if queued := self.faults.get((month, code, page)):
            return queued.pop(0)
        body = self.body(endpoint, month, code, page)
        self.bodies[(endpoint, month, code, page)] = body
        return Response(body, status=200, content_type="application/json;charset=UTF-8")


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def portal(server: HTTPServer) -> Iterator[Portal]:
    server.clear()
    fake = Portal()
    server.expect_request(re.compile(r"^/api-de-dados/.+")).respond_with_handler(fake)
    yield fake
    server.check_handler_errors()


@pytest.fixture
def base(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


class FakeClock:
    """Clock and sleep for the rate limiter: sleeping moves the clock, nothing waits."""

    def __init__(self, kill_at: int | None = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.kill_at = kill_at

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if self.kill_at is not None and len(self.sleeps) + 1 >= self.kill_at:
            raise Killed(f"killed while waiting for request slot {len(self.sleeps) + 1}")
        self.sleeps.append(seconds)
        self.now += seconds


class Killed(BaseException):
    """What a SIGKILL or an operator's Ctrl-C looks like from inside: not an Exception."""


def settings_for(base: str, first: str = "202201", last: str | None = None, **overrides: object
                 ) -> TransparenciaSettings:
    values: dict = dict(base_url=base, from_month=first, to_month=last, api_key=SECRET, retries=2,
                        backoff_factor=0.0, connect_timeout=0.5, read_timeout=5.0)
    values.update(overrides)
    return TransparenciaSettings(**values)


def run(settings: TransparenciaSettings, tmp_path: Path, name: str = "run", codes: list[str] = CODES,
        clock: FakeClock | None = None, **kw: object) -> list[InputFile]:
    clock = clock or FakeClock()
    return extract_api(settings, str(tmp_path / name / "raw"), checkpoint_uri=str(tmp_path / name / "checkpoint"),
                       municipalities=codes, sleep=clock.sleep, clock=clock, **kw)


def landed_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def summary(inputs: list[InputFile], raw: Path) -> list[tuple[str, str, int, str]]:
    return [(Path(f.uri).relative_to(raw).as_posix(), f.source, f.size, f.sha256) for f in inputs]


def expected_requests(portal: Portal, endpoint: str, months: list[str], codes: list[str]) -> list[tuple]:
    return [(endpoint, m, c, p) for m in months for c in codes for p in range(1, portal.pages(endpoint, m, c) + 1)]


def all_loggers_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


# ---- the happy path ----


def test_every_page_of_every_month_and_municipality_is_landed_byte_for_byte(
        portal: Portal, base: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    all_loggers_at_debug(caplog)
    endpoint = "auxilio-brasil-por-municipio"
    months = ["202201", "202202"]

    inputs = run(settings_for(base, "202201", "202202"), tmp_path)

    assert portal.log == expected_requests(portal, endpoint, months, CODES)
    assert any(portal.pages(endpoint, m, c) >= 3 for m in months for c in CODES)  # several pages somewhere
    assert set(portal.keys_seen) == {SECRET}
    raw = tmp_path / "run" / "raw"
    assert [Path(f.uri).relative_to(raw).as_posix() for f in inputs] == \
        [f"{SOURCE}/{e}/{m}/{c}/pagina={p}.json" for e, m, c, p in portal.log]
    for f, request in zip(inputs, portal.log, strict=True):
        assert f.source == SOURCE and f.http_status == 200
        assert Path(f.uri).read_bytes() == portal.bodies[request]
        assert f.sha256 == hashlib.sha256(portal.bodies[request]).hexdigest()
        assert f.original_uri.startswith(f"{base}/api-de-dados/{endpoint}?")
        assert f"mesAno={request[1]}" in f.original_uri and f"codigoIbge={request[2]}" in f.original_uri
    records = [r for f in inputs for r in json.loads(Path(f.uri).read_bytes())]
    assert len(records) == sum(len(portal.records(endpoint, m, c)) for m in months for c in CODES)
    assert "202201 (auxilio-brasil-por-municipio): 3 sequence(s) fetched, 0 resumed" in caplog.text
    assert SECRET not in caplog.text


def test_a_second_run_asks_nothing_and_a_longer_range_asks_only_the_new_month(
        portal: Portal, base: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    first = run(settings_for(base, "202201", "202202"), tmp_path)
    asked_first = list(portal.log)
    portal.log.clear()

    again = run(settings_for(base, "202201", "202202"), tmp_path)
    assert portal.log == []
    assert [(f.uri, f.sha256) for f in again] == [(f.uri, f.sha256) for f in first]
    assert "202202 (auxilio-brasil-por-municipio): 0 sequence(s) fetched, 3 resumed from the checkpoint; " \
           "0 page request(s)" in caplog.text

    longer = run(settings_for(base, "202201", "202203"), tmp_path)
    assert portal.log == expected_requests(portal, "auxilio-brasil-por-municipio", ["202203"], CODES)
    assert len(longer) == len(asked_first) + len(portal.log)  # the Landing lists the earlier months too
    assert [f.uri for f in longer[:len(first)]] == [f.uri for f in first]


def test_the_endpoint_follows_the_programme_of_each_month(portal: Portal, base: str, tmp_path: Path) -> None:
    months = ["202110", "202111", "202302", "202303"]
    for month in months:
        run(settings_for(base, month), tmp_path, codes=CODES[:1])

    asked = {(m, e) for e, m, _, _ in portal.log}
    assert asked == {("202110", "bolsa-familia-por-municipio"), ("202111", "auxilio-brasil-por-municipio"),
                     ("202302", "auxilio-brasil-por-municipio"), ("202303", "novo-bolsa-familia-por-municipio")}


def test_a_month_in_2022_hits_the_auxilio_brasil_path(portal: Portal, base: str, tmp_path: Path) -> None:
    inputs = run(settings_for(base, "202206"), tmp_path, codes=CODES[:1])
    assert {e for e, *_ in portal.log} == {"auxilio-brasil-por-municipio"}
    assert all("/api-de-dados/auxilio-brasil-por-municipio?" in f.original_uri for f in inputs)


def test_an_empty_month_costs_one_request_per_municipality(portal: Portal, base: str, tmp_path: Path) -> None:
    portal.empty_months.add("202305")

    inputs = run(settings_for(base, "202305"), tmp_path)

    assert portal.log == [("novo-bolsa-familia-por-municipio", "202305", c, 1) for c in CODES]
    assert [Path(f.uri).read_bytes() for f in inputs] == [b"[]"] * len(CODES)
    checkpoint = Checkpoint(str(tmp_path / "run" / "checkpoint"))
    assert all(checkpoint.is_final(f"novo-bolsa-familia-por-municipio/202305/{c}/pagina=1") for c in CODES)


def test_the_restriction_keeps_only_the_codes_asked_for_and_names_unknown_ones(
        portal: Portal, base: str, tmp_path: Path) -> None:
    run(settings_for(base, municipalities=("2800209",)), tmp_path)
    assert {c for _, _, c, _ in portal.log} == {"2800209"}

    portal.log.clear()
    with pytest.raises(ConfigError, match=r"--municipalities: 1234567, 9999999 are not in the IBGE") as caught:
        run(settings_for(base, municipalities=("9999999", "2800100", "1234567")), tmp_path, name="other")
    assert "\n" not in str(caught.value) and portal.log == []


# ---- faults ----


def test_a_429_with_retry_after_is_waited_and_retried(portal: Portal, base: str, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    portal.faults[("202201", "2800100", 1)] = [Response("Too Many Requests", status=429, headers={"Retry-After": "1"})]

    inputs = run(settings_for(base), tmp_path, codes=["2800100"])

    assert portal.log[:2] == [("auxilio-brasil-por-municipio", "202201", "2800100", 1)] * 2
    assert Path(inputs[0].uri).read_bytes() == portal.body("auxilio-brasil-por-municipio", "202201", "2800100", 1)
    assert "status 429; retry 1 of 2 in 1.0 s" in caplog.text  # the wait the server asked for


def test_a_500_then_success_lands_the_page(portal: Portal, base: str, tmp_path: Path) -> None:
    portal.faults[("202201", "2800209", 2)] = [Response("Internal Server Error", status=500)]

    inputs = run(settings_for(base), tmp_path, codes=["2800209"])

    pages = [p for *_, p in portal.log]
    assert pages.count(2) == 2 and len(inputs) == portal.pages("auxilio-brasil-por-municipio", "202201", "2800209")
    assert [f.http_status for f in inputs] == [200] * len(inputs)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_one_line_naming_what_to_set_and_never_the_key(
        portal: Portal, base: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int) -> None:
    all_loggers_at_debug(caplog)
    portal.deny_status = status

    with pytest.raises(ConfigError) as caught:
        run(settings_for(base, api_key=WRONG), tmp_path)

    message = str(caught.value)
    assert "\n" not in message
    assert f"HTTP {status}" in message and KEY_ENV in message and KEY_SECRET_ARN_ENV in message
    assert f"env {KEY_ENV}" in message  # where this key came from
    assert portal.keys_seen == [WRONG]  # one request, not retried
    assert WRONG not in message and WRONG not in repr(caught.value.args)
    assert caplog.records and WRONG not in caplog.text and SECRET not in caplog.text


def test_no_key_at_all_fails_before_any_request(portal: Portal, base: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"no Portal da Transparência API key: set env {KEY_ENV}"):
        run(settings_for(base, api_key=None), tmp_path)
    assert portal.log == []


def test_the_key_can_come_from_a_secrets_manager_secret(portal: Portal, base: str, tmp_path: Path) -> None:
    arn = "arn:aws:secretsmanager:sa-east-1:123456789012:secret:transparencia-AbCdEf"

    class Secrets:
        asked: list[str] = []

        def get_secret_value(self, SecretId: str) -> dict:  # noqa: N803 (boto3's name)
            self.asked.append(SecretId)
            return {"SecretString": json.dumps({"api_key": SECRET})}

    secrets = Secrets()
    settings = settings_for(base, api_key=None, key_secret_arn=arn)
    run(settings, tmp_path, codes=CODES[:1], secrets_client=secrets)

    assert secrets.asked == [arn] and set(portal.keys_seen) == {SECRET}
    assert SECRET not in repr(settings)


# ---- resume ----


def reference(portal: Portal, base: str, tmp_path: Path) -> tuple[list[tuple], dict[str, bytes], list]:
    """An uninterrupted run: what the server was asked, what landed, what was returned."""
    inputs = run(settings_for(base, "202201", "202202"), tmp_path, name="reference")
    asked = list(portal.log)
    portal.log.clear()
    raw = tmp_path / "reference" / "raw"
    return asked, landed_tree(raw), summary(inputs, raw)


def test_an_extraction_stopped_by_an_outage_resumes_with_only_the_missing_pages(
        portal: Portal, base: str, tmp_path: Path) -> None:
    asked, tree, returned = reference(portal, base, tmp_path)
    stop = 7
    assert len(asked) > stop + 3
    portal.fail_after = stop  # the 8th request and all after it: 503

    with pytest.raises(HttpSourceError, match="HTTP 503"):
        run(settings_for(base, "202201", "202202", retries=0), tmp_path)
    assert portal.log == asked[:stop + 1]
    portal.fail_after = None
    portal.log.clear()

    inputs = run(settings_for(base, "202201", "202202", retries=0), tmp_path)

    assert portal.log == asked[stop:]  # the failed page and the ones never asked, nothing landed before
    raw = tmp_path / "run" / "raw"
    assert landed_tree(raw) == tree
    assert summary(inputs, raw) == returned


def test_an_extraction_killed_while_waiting_for_the_rate_limiter_resumes_where_it_stopped(
        portal: Portal, base: str, tmp_path: Path) -> None:
    asked, tree, returned = reference(portal, base, tmp_path)
    kill_at = 5  # the 5th wait for a request slot: 5 requests were made and landed

    with pytest.raises(Killed):
        run(settings_for(base, "202201", "202202"), tmp_path, clock=FakeClock(kill_at=kill_at))
    assert portal.log == asked[:kill_at]
    portal.log.clear()

    inputs = run(settings_for(base, "202201", "202202"), tmp_path)

    assert portal.log == asked[kill_at:]
    raw = tmp_path / "run" / "raw"
    assert landed_tree(raw) == tree
    assert summary(inputs, raw) == returned


def test_pages_whose_raw_files_were_cleaned_away_are_fetched_again_into_this_run(
        portal: Portal, base: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    checkpoint = str(tmp_path / "state" / "checkpoint")
    settings = settings_for(base, "202201", "202202")
    first_raw, second_raw = tmp_path / "raw" / "run1", tmp_path / "raw" / "run2"
    first = extract_api(settings, str(first_raw), checkpoint_uri=checkpoint, municipalities=CODES,
                        sleep=FakeClock().sleep, clock=FakeClock())
    gone = [first[1], first[4]]  # e.g. the clean step removed an unpublished run's raw files
    for f in gone:
        Path(f.uri).unlink()
    portal.log.clear()

    second = extract_api(settings, str(second_raw), checkpoint_uri=checkpoint, municipalities=CODES,
                         sleep=FakeClock().sleep, clock=FakeClock())

    assert len(portal.log) == len(gone)
    assert [f.sha256 for f in second] == [f.sha256 for f in first]
    moved = [(Path(a.uri).relative_to(first_raw), Path(b.uri).relative_to(second_raw))
             for a, b in zip(first, second, strict=True) if b.uri != a.uri]
    assert [m for m, _ in moved] == [Path(f.uri).relative_to(first_raw) for f in gone]
    assert all(old == new for old, new in moved) and all(Path(f.uri).exists() for f in second)
    assert "which is gone; fetched again" in caplog.text


# ---- rate limit ----


def test_every_request_waits_for_the_rate_limiter(portal: Portal, base: str, tmp_path: Path) -> None:
    clock = FakeClock()

    run(settings_for(base, requests_per_minute=90), tmp_path, clock=clock)

    # one token at a time at 90 a minute: every request after the first waits its 2/3 s slot
    assert len(portal.log) > 3
    assert clock.sleeps == pytest.approx([60 / 90] * (len(portal.log) - 1))


def test_a_retry_waits_for_the_rate_limiter_too(portal: Portal, base: str, tmp_path: Path) -> None:
    portal.faults[("202201", "2800100", 1)] = [Response("Bad Gateway", status=502)]
    clock = FakeClock()

    run(settings_for(base, requests_per_minute=30), tmp_path, codes=["2800100"], clock=clock)

    assert portal.log[0] == portal.log[1]  # the 502, then its retry
    assert clock.sleeps == pytest.approx([2.0] * (len(portal.log) - 1))  # 30 a minute, the retry included


# ---- settings ----


def parse(*argv: str, environ: dict[str, str] | None = None) -> TransparenciaSettings:
    parser = argparse.ArgumentParser()
    TransparenciaSettings.add_arguments(parser.add_argument_group("bolsa_familia options"))
    return TransparenciaSettings.from_args(parser.parse_args(list(argv)), environ or {})


def test_flags_build_the_settings_and_the_key_comes_only_from_the_environment() -> None:
    settings = parse("--from", "202111", "--to", "202303", "--municipalities", "2800308, 2800100",
                     "--requests-per-minute", "60", "--api-retries", "3", "--api-timeout", "30",
                     environ={KEY_ENV: f" {SECRET} "})

    assert (settings.from_month, settings.to_month, settings.municipalities) == ("202111", "202303",
                                                                              ("2800100", "2800308"))
    assert (settings.requests_per_minute, settings.retries, settings.read_timeout) == (60, 3, 30)
    assert settings.base_url == DEFAULT_BASE_URL and settings.api_key == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert settings.months == months_between("202111", "202303") and len(settings.months) == 17
    assert parse("--from", "202201").months == ["202201"]
    assert parse(environ={"CONSTELLATION_TRANSPARENCIA_BASE_URL": "http://127.0.0.1:9/"}).base_url == \
        "http://127.0.0.1:9"
    arn = "arn:aws:secretsmanager:sa-east-1:1:secret:k"
    assert parse(environ={KEY_SECRET_ARN_ENV: arn}).key_secret_arn == arn


@pytest.mark.parametrize(("argv", "message"), [
    (("--from", "2022-01"), "--from: '2022-01' is not a month"),
    (("--from", "202213"), "--from: '202213' is not a month"),
    (("--from", "202205", "--to", "202201"), "--to 202201 is before --from 202205"),
    (("--to", "202201"), "--to needs --from"),
    (("--from", "202201", "--municipalities", "280010"), "280010 are not 7-digit IBGE"),
    (("--requests-per-minute", "0"), "--requests-per-minute: must be a positive number"),
    (("--api-retries", "11"), "--api-retries: must be an integer from 0 to 10"),
    (("--base-url", "ftp://x"), "--base-url must start with http"),
    (("--key-secret-arn", "transparencia-key"), "is not a Secrets Manager ARN"),
])
def test_bad_flags_fail_naming_the_flag(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse(*argv)


def test_a_month_no_endpoint_serves_and_a_missing_from_fail_before_any_request(
        portal: Portal, base: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no portal endpoint is configured for month 201212"):
        run(settings_for(base, "201212", "201301"), tmp_path)
    with pytest.raises(ConfigError, match="--from: give the first month"):
        run(settings_for(base, None), tmp_path)
    assert portal.log == []


def test_periods_are_configurable_and_checked() -> None:
    custom = TransparenciaSettings(periods=[("200401", "202110", "/api-de-dados/bolsa-familia-por-municipio/"),
                                            ("202111", None, "auxilio-brasil-por-municipio")])
    assert custom.endpoint("200401") == "bolsa-familia-por-municipio"
    assert custom.endpoint("203001") == "auxilio-brasil-por-municipio"
    with pytest.raises(ConfigError, match="overlap"):
        TransparenciaSettings(periods=[("201301", None, "a-por-municipio"), ("202111", None, "b-por-municipio")])
    with pytest.raises(ConfigError, match="ends"):
        TransparenciaSettings(periods=[("202301", "202201", "a-por-municipio")])
