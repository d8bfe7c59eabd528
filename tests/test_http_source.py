"""The HTTP source against a real local HTTP server (pytest-httpserver on 127.0.0.1; a raw socket
server where a well-behaved one cannot misbehave enough). Nothing here leaves 127.0.0.1.

Waits are kept at or under one second: backoff is 0 unless a test is about it, timeouts are 0.5 s.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs import lake
from jobs.config import ConfigError
from jobs.logs import THIRD_PARTY_LOGGERS, quiet_third_party_loggers
from jobs.manifest import InputFile
from jobs.sources import InputError
from jobs.sources.http import (
    Checkpoint,
    HttpClient,
    HttpSettings,
    HttpSourceError,
    TokenBucket,
    fetch_to_lake,
    paginate,
)

SECRET = "k3y-7f1e0c9a-never-to-be-seen"
KEY_HEADER = "chave-api-dados"


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # threaded: a handler that sleeps past the client's read timeout must not block the retry
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def http(server: HTTPServer) -> Iterator[HTTPServer]:
    server.clear()
    yield server
    server.check_handler_errors()


def settings_for(server: HTTPServer, **overrides: object) -> HttpSettings:
    values: dict = dict(base_url=server.url_for("/"), connect_timeout=0.5, read_timeout=2.0, retries_total=3,
                        backoff_factor=0.0, chunk_size=64 * 1024)
    values.update(overrides)
    return HttpSettings(**values)


class Sequence:
    """A handler answering with the given responses in turn (the last one repeats), recording
    when each request arrived and what it carried."""

    def __init__(self, *responses: Callable[[Request], Response]) -> None:
        self.responses = responses
        self.arrivals: list[float] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.arrivals.append(time.monotonic())
            self.requests.append({"args": dict(request.args), "headers": dict(request.headers)})
            index = min(len(self.arrivals), len(self.responses)) - 1
        return self.responses[index](request)


def status(code: int, body: bytes = b"", **headers: str) -> Callable[[Request], Response]:
    return lambda request: Response(body, status=code, headers=headers)


def ok(body: bytes = b"[]") -> Callable[[Request], Response]:
    return lambda request: Response(body, status=200, content_type="application/json")


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text, text
    return text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def truncating_server(declared: int, sent: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """A raw socket server that promises ``declared`` bytes, sends ``sent`` and hangs up:
    what a proxy or a dying API does, and what a well-behaved server library will not do."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.1)
    stop = threading.Event()
    seen: list[bytes] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                data = b""
                while b"\r\n\r\n" not in data and (chunk := conn.recv(4096)):
                    data += chunk
                seen.append(data)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % declared + sent)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(2)
        sock.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# ---- landing ----


def test_a_200_response_is_landed_byte_for_byte_with_its_request_metadata(http: HTTPServer, tmp_path: Path) -> None:
    body = ('[{"município": "São Paulo", "valor": "1.234,56"}]\r\n'.encode() * 40_000) + b"\x00\xff tail"
    http.expect_request("/api/despesas", query_string="mes=202001&codigo=2800308").respond_with_data(
        body, content_type="application/json")
    target = str(tmp_path / "raw" / "despesas" / "202001.json")
    before = datetime.now(UTC)

    with HttpClient(settings_for(http)) as client:
        landed = fetch_to_lake(client, "/api/despesas", {"mes": "202001", "codigo": "2800308"},
                               target_uri=target, source="despesas")

    assert Path(target).read_bytes() == body
    assert landed.sha256 == hashlib.sha256(body).hexdigest()
    assert landed.size == len(body) > 1024 * 1024  # streamed in several chunks
    assert landed.original_uri == http.url_for("/api/despesas") + "?mes=202001&codigo=2800308"
    assert (landed.source, landed.uri, landed.http_status) == ("despesas", target, 200)
    fetched_at = datetime.fromisoformat(landed.fetched_at)
    assert fetched_at.utcoffset().total_seconds() == 0 and before <= fetched_at <= datetime.now(UTC)
    assert [p.name for p in Path(target).parent.iterdir()] == ["202001.json"]  # no temp file left


def test_a_gzip_encoded_response_is_landed_as_the_body_the_api_returned(http: HTTPServer, tmp_path: Path) -> None:
    body = b'[{"id": 1}]' * 1000
    http.expect_request("/z").respond_with_response(
        Response(gzip.compress(body), headers={"Content-Encoding": "gzip"}, content_type="application/json"))
    target = str(tmp_path / "z.json")

    with HttpClient(settings_for(http)) as client:
        landed = fetch_to_lake(client, "/z", target_uri=target, source="z")

    assert Path(target).read_bytes() == body and landed.sha256 == hashlib.sha256(body).hexdigest()


def test_a_response_is_landed_into_s3_through_the_lake_helper(http: HTTPServer, monkeypatch) -> None:
    moto = pytest.importorskip("moto")
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    body = b'[{"id": 1}]\n'
    http.expect_request("/s3").respond_with_data(body)
    with moto.mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        with HttpClient(settings_for(http)) as client:
            landed = fetch_to_lake(client, "/s3", target_uri="s3://lake/raw/p/page=1.json", source="p")
        stored = s3.get_object(Bucket="lake", Key="raw/p/page=1.json")["Body"].read()

    assert stored == body and landed.sha256 == hashlib.sha256(body).hexdigest()


def test_lake_write_bytes_replaces_a_file_atomically_and_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = str(tmp_path / "doc.bin")
    lake.write_bytes(target, b"old")
    lake.write_bytes(target, b"new\x00bytes")
    with pytest.raises(RuntimeError), lake.open_atomic(str(tmp_path / "half.bin")) as fh:
        fh.write(b"half of it")
        raise RuntimeError("connection lost")

    assert Path(target).read_bytes() == b"new\x00bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.bin"]


# ---- retries ----


def test_a_429_with_retry_after_is_retried_after_the_wait_the_server_asked_for(http: HTTPServer) -> None:
    handler = Sequence(status(429, b"slow down", **{"Retry-After": "1"}), ok(b'[{"id": 1}]'))
    http.expect_request("/limited").respond_with_handler(handler)

    with HttpClient(settings_for(http, backoff_factor=0.0)) as client:  # so only Retry-After can wait
        response = client.get("/limited")

    assert response.json() == [{"id": 1}]
    assert len(handler.arrivals) == 2
    assert handler.arrivals[1] - handler.arrivals[0] >= 0.95


def test_two_500s_then_a_200_succeeds(http: HTTPServer) -> None:
    handler = Sequence(status(500), status(500), ok(b"[1]"))
    http.expect_request("/flaky").respond_with_handler(handler)

    with HttpClient(settings_for(http, backoff_factor=0.01)) as client:
        response = client.get("/flaky")

    assert (response.status_code, response.content, len(handler.arrivals)) == (200, b"[1]", 3)


def test_a_persistent_503_gives_up_with_one_line_naming_url_status_and_attempts(http: HTTPServer) -> None:
    handler = Sequence(status(503, b"<html>\n<body>maintenance</body>\n</html>"))
    http.expect_request("/down").respond_with_handler(handler)

    with HttpClient(settings_for(http, retries_total=2)) as client, pytest.raises(HttpSourceError) as caught:
        client.get("/down", params={"mes": "202001", "pagina": 3})

    message = one_line(caught.value)
    assert message == (f"GET {http.url_for('/down')}?mes=202001&pagina=3: HTTP 503 Service Unavailable after "
                       '3 attempts: the server said "<html> <body>maintenance</body> </html>"')
    assert (caught.value.status, caught.value.attempts, len(handler.arrivals)) == (503, 3, 3)
    assert isinstance(caught.value, InputError)  # the CLI's "bad input" exit code


def test_a_404_is_not_retried(http: HTTPServer) -> None:
    handler = Sequence(status(404, b'{"message": "no such dataset"}'))
    http.expect_request("/missing").respond_with_handler(handler)

    with HttpClient(settings_for(http)) as client, pytest.raises(HttpSourceError) as caught:
        client.get("/missing")

    assert "HTTP 404" in one_line(caught.value) and "no such dataset" in str(caught.value)
    assert "HTTP 404 Not Found after 1 attempt:" in str(caught.value) and len(handler.arrivals) == 1


def test_a_read_timeout_is_retried_and_then_succeeds(http: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(b"[]")

    handler = Sequence(slow, ok(b'[{"late": false}]'))
    http.expect_request("/slow").respond_with_handler(handler)

    with HttpClient(settings_for(http, read_timeout=0.5)) as client:
        response = client.get("/slow")

    assert response.json() == [{"late": False}] and len(handler.arrivals) == 2


def test_read_timeouts_on_every_attempt_give_up_naming_the_timeout(http: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.8)
        return Response(b"[]")

    http.expect_request("/slower").respond_with_handler(Sequence(slow))

    with HttpClient(settings_for(http, read_timeout=0.5, retries_total=1)) as client, \
            pytest.raises(HttpSourceError) as caught:
        client.get("/slower")

    assert one_line(caught.value) == (f"GET {http.url_for('/slower')}: read timed out (read timeout 0.5 s) "
                                      "after 2 attempts")


def test_a_refused_connection_gives_a_one_line_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/data?page=1"

    with HttpClient(HttpSettings(retries_total=2, backoff_factor=0.0, connect_timeout=0.5)) as client, \
            pytest.raises(HttpSourceError) as caught:
        client.get(url)

    assert one_line(caught.value) == f"GET {url}: could not connect (connection refused) after 3 attempts"
    assert caught.value.status is None


def test_a_401_names_the_credential_header_but_never_its_value(http: HTTPServer) -> None:
    handler = Sequence(lambda request: Response(f"invalid key {request.headers.get(KEY_HEADER)}", status=401))
    http.expect_request("/secure").respond_with_handler(handler)

    with HttpClient(settings_for(http, secret_headers={KEY_HEADER: SECRET})) as client, \
            pytest.raises(HttpSourceError) as caught:
        client.get("/secure")

    message = one_line(caught.value)
    assert "refused the credentials" in message and repr(KEY_HEADER) in message
    assert SECRET not in message and SECRET not in repr(caught.value)
    assert handler.requests[0]["headers"][KEY_HEADER.title()] == SECRET  # it was sent, just never shown
    assert len(handler.arrivals) == 1  # refused credentials are not retried


def test_a_body_shorter_than_its_content_length_is_an_error_and_nothing_is_landed(tmp_path: Path) -> None:
    target = tmp_path / "raw" / "page=1.json"
    with truncating_server(declared=100, sent=b'[{"id": 1}, {"id"') as (base, seen), \
            HttpClient(HttpSettings(base_url=base, read_timeout=2.0, backoff_factor=0.0)) as client:
        with pytest.raises(HttpSourceError) as caught:
            fetch_to_lake(client, "/page", {"page": 1}, target_uri=str(target), source="p")
        with pytest.raises(HttpSourceError) as caught_get:
            client.get("/page")

    message = one_line(caught.value)
    assert message == (f"GET {base}/page?page=1: response body cut short: got 17 bytes of the 100 declared by "
                       "Content-Length (the connection closed early) after 1 attempt")
    assert "cut short" in one_line(caught_get.value)
    assert not target.exists() and not any(target.parent.iterdir())
    assert len(seen) == 2  # one per call: a cut body is not silently re-requested


def test_a_redirect_to_another_host_does_not_carry_the_secret_header(http: HTTPServer) -> None:
    with HTTPServer(host="127.0.0.1", port=0) as other:
        target = Sequence(ok(b"[]"))
        other.expect_request("/moved").respond_with_handler(target)
        origin = Sequence(status(302, Location=other.url_for("/moved")))
        http.expect_request("/old").respond_with_handler(origin)

        with HttpClient(settings_for(http, secret_headers={KEY_HEADER: SECRET})) as client:
            response = client.get("/old")

    assert response.status_code == 200
    assert origin.requests[0]["headers"].get(KEY_HEADER.title()) == SECRET
    assert KEY_HEADER.title() not in target.requests[0]["headers"]


# ---- rate limit ----


def test_the_rate_limiter_spaces_requests_exactly_with_a_fake_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)

    waits = [bucket.acquire() for _ in range(5)]

    assert waits == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0]


def test_the_rate_limiter_allows_a_burst_then_the_rate_and_credits_idle_time() -> None:
    clock = FakeClock()
    bucket = TokenBucket(120, burst=3, clock=clock, sleep=clock.sleep)

    for _ in range(5):
        bucket.acquire()
    clock.now += 0.2  # the caller spent 0.2 s doing something else
    bucket.acquire()

    assert clock.sleeps == pytest.approx([0.5, 0.5, 0.3])


def test_the_client_waits_for_the_rate_limiter_before_each_request_and_each_retry(http: HTTPServer) -> None:
    handler = Sequence(ok(b"[]"), ok(b"[]"), status(500), ok(b"[]"))
    http.expect_request("/paced").respond_with_handler(handler)
    clock = FakeClock()

    with HttpClient(settings_for(http, requests_per_minute=30), clock=clock, sleep=clock.sleep) as client:
        for _ in range(3):
            client.get("/paced")

    assert len(handler.arrivals) == 4
    assert clock.sleeps == [2.0, 2.0, 2.0]  # 30 a minute: 2 s apart, the retry of the 500 included


# ---- checkpoints and pagination ----


def _pages_server(http: HTTPServer, pages: dict[int, bytes], fail_on: set[int]) -> list[int]:
    """``/items?pagina=N`` answers ``pages[N]`` (``[]`` past the end) or a 500 for pages in
    ``fail_on`` (an injected failure, cleared by the test); returns the log of pages asked."""
    asked: list[int] = []

    def handler(request: Request) -> Response:
        page = int(request.args["pagina"])
        asked.append(page)
        if page in fail_on:
            return Response(b"boom", status=500)
        return Response(pages.get(page, b"[]"), content_type="application/json")

    http.expect_request("/items").respond_with_handler(handler)
    return asked


def test_a_resumed_pagination_fetches_only_the_pages_not_yet_landed(http: HTTPServer, tmp_path: Path) -> None:
    pages = {n: json.dumps([{"page": n, "row": i} for i in range(3)]).encode() for n in range(1, 5)}
    fail_on = {3}
    asked = _pages_server(http, pages, fail_on)
    checkpoint_uri = str(tmp_path / "state" / "checkpoint")
    raw = tmp_path / "raw"

    def run() -> list[InputFile]:
        with HttpClient(settings_for(http, retries_total=0)) as client:
            return paginate(client, "/items", {"mes": "202001"}, checkpoint=Checkpoint(checkpoint_uri),
                            key="202001/2800308", page_param="pagina", source="items",
                            target_uri=lambda n: str(raw / "202001" / "2800308" / f"pagina={n}.json"))

    with pytest.raises(HttpSourceError):
        run()  # killed at page 3, after 2 pages landed
    first_run = list(asked)
    fail_on.clear()
    asked.clear()
    landed = run()  # a new process: a new Checkpoint object over the same documents

    assert first_run == [1, 2, 3]
    assert asked == [3, 4, 5]
    assert [Path(f.uri).name for f in landed] == [f"pagina={n}.json" for n in range(1, 6)]
    for n in range(1, 5):
        assert (raw / "202001" / "2800308" / f"pagina={n}.json").read_bytes() == pages[n]
    resumed = Checkpoint(checkpoint_uri)
    assert resumed.keys() == sorted(f"202001/2800308/pagina={n}" for n in range(1, 6))
    assert [f.sha256 for f in resumed.inputs()] == [hashlib.sha256(pages.get(n, b"[]")).hexdigest()
                                                     for n in range(1, 6)]
    assert resumed.is_final("202001/2800308/pagina=5") and not resumed.is_final("202001/2800308/pagina=4")


def test_a_finished_pagination_run_again_asks_the_server_nothing(http: HTTPServer, tmp_path: Path) -> None:
    asked = _pages_server(http, {1: b"[1]"}, set())

    def run() -> list[InputFile]:
        with HttpClient(settings_for(http)) as client:
            return paginate(client, "/items", checkpoint=Checkpoint(str(tmp_path / "cp")), key="all",
                            page_param="pagina", source="items", target_uri=lambda n: str(tmp_path / f"{n}.json"))

    first = run()
    again = run()

    assert asked == [1, 2] and first == again


def test_a_page_that_is_not_a_json_list_stops_the_pagination(http: HTTPServer, tmp_path: Path) -> None:
    http.expect_request("/items").respond_with_data(b'{"erro": "parametro invalido"}')
    checkpoint = Checkpoint(str(tmp_path / "cp"))

    with HttpClient(settings_for(http)) as client, pytest.raises(HttpSourceError) as caught:
        paginate(client, "/items", checkpoint=checkpoint, key="k", source="items",
                 target_uri=lambda n: str(tmp_path / f"{n}.json"))

    assert "expected a JSON list" in one_line(caught.value)
    assert len(checkpoint) == 0  # landed for inspection, but not recorded as done


def test_recording_a_key_writes_one_small_document_whatever_the_number_already_recorded(
        tmp_path: Path, monkeypatch) -> None:
    written: list[int] = []
    real_write = lake.write_text
    monkeypatch.setattr(lake, "write_text", lambda uri, text: (written.append(len(text)), real_write(uri, text)))
    checkpoint = Checkpoint(str(tmp_path / "cp"))

    for n in range(1, 301):
        checkpoint.record(f"2020{n % 12 + 1:02d}/{n:07d}/page=1", InputFile(
            source="s", uri=f"/lake/raw/{n:07d}.json", original_uri=f"http://api/x?codigo={n:07d}", size=n,
            sha256="0" * 64, fetched_at="2026-01-01T00:00:00+00:00", http_status=200))

    assert len(written) == 300  # one write per key
    assert max(written) - min(written) < 10  # and its size does not grow with the checkpoint
    assert len(Checkpoint(str(tmp_path / "cp"))) == 300


def test_checkpoint_keys_that_would_escape_their_folder_are_refused(tmp_path: Path) -> None:
    checkpoint = Checkpoint(str(tmp_path / "cp"))
    for key in ("../x", "a//b", ".hidden", "a/_b", "a b", ""):
        with pytest.raises(ValueError, match="checkpoint key"):
            checkpoint.done(key)


# ---- secrets and settings ----


def test_the_secret_header_value_never_appears_in_logs_at_debug_nor_in_error_text(
        http: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    echo = Sequence(lambda request: Response(f"echo {request.headers.get(KEY_HEADER)}", status=200))
    http.expect_request("/ok").respond_with_handler(Sequence(status(503), ok(b"[]")))
    http.expect_request("/echo").respond_with_handler(echo)
    http.expect_request("/denied").respond_with_data(f"bad key {SECRET}", status=403)
    http.expect_request("/down").respond_with_data(f"down, your key was {SECRET}", status=503)
    settings = settings_for(http, retries_total=1, secret_headers={KEY_HEADER: SECRET})
    errors: list[HttpSourceError] = []

    with HttpClient(settings) as client:
        fetch_to_lake(client, "/ok", {"q": 1}, target_uri=str(tmp_path / "ok.json"), source="s")
        client.get("/echo")
        for path in ("/denied", "/down", f"http://127.0.0.1:{closed_port()}/x"):
            with pytest.raises(HttpSourceError) as caught:
                client.get(path)
            errors.append(caught.value)
        shown = [repr(settings), str(settings), repr(client)]

    assert echo.requests[0]["headers"][KEY_HEADER.title()] == SECRET  # the key did go to the server
    assert caplog.records and any(r.name.startswith("urllib3") for r in caplog.records)
    assert SECRET not in caplog.text
    assert not [r for r in caplog.records if SECRET in r.getMessage()]
    assert not [e for e in errors if SECRET in str(e) or SECRET in repr(e.args)]
    assert not [s for s in shown if SECRET in s]
    assert KEY_HEADER in str(errors[0])  # the 403 names the header it refused


@pytest.mark.parametrize(("overrides", "setting"), [
    ({"base_url": "ftp://example"}, "base_url"),
    ({"connect_timeout": 0}, "connect_timeout"),
    ({"read_timeout": float("inf")}, "read_timeout"),
    ({"retries_total": 11}, "retries_total"),
    ({"retries_total": -1}, "retries_total"),
    ({"backoff_factor": -0.5}, "backoff_factor"),
    ({"backoff_max": "60"}, "backoff_max"),
    ({"retry_statuses": (200, 503)}, "retry_statuses"),
    ({"retry_statuses": (401, 503)}, "retry_statuses"),
    ({"requests_per_minute": 0}, "requests_per_minute"),
    ({"burst": 0}, "burst"),
    ({"headers": {"bad header": "x"}}, "headers"),
    ({"secret_headers": {KEY_HEADER: ""}}, "secret_headers"),
    ({"headers": {"X-Key": "a"}, "secret_headers": {"x-key": SECRET}}, "secret_headers"),
    ({"user_agent": ""}, "user_agent"),
])
def test_invalid_settings_fail_naming_the_setting(overrides: dict, setting: str) -> None:
    with pytest.raises(ConfigError, match=setting) as caught:
        HttpSettings(**overrides)
    assert SECRET not in str(caught.value)


def test_settings_copy_their_headers_so_a_later_change_to_the_caller_dict_has_no_effect() -> None:
    headers = {"Accept": "application/json"}
    settings = HttpSettings(headers=headers)
    headers["Accept"] = "text/html"
    assert settings.headers == {"Accept": "application/json"}


def test_quieting_third_party_loggers_spares_the_ones_asked_for_by_name() -> None:
    saved = {name: logging.getLogger(name).level for name in THIRD_PARTY_LOGGERS}
    try:
        quieted = quiet_third_party_loggers(["urllib3"])
        assert "urllib3" not in quieted and {"requests", "botocore"} <= set(quieted)
        assert logging.getLogger("botocore").level == logging.WARNING
        assert logging.getLogger("urllib3").level == saved["urllib3"]
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_a_short_body_is_still_an_error_if_urllib3_stops_enforcing_content_length(
        tmp_path: Path, monkeypatch) -> None:
    import urllib3.response

    real_init = urllib3.response.HTTPResponse.__init__

    def lenient_init(self, *args, **kwargs) -> None:
        real_init(self, *args, **{**kwargs, "enforce_content_length": False})

    monkeypatch.setattr(urllib3.response.HTTPResponse, "__init__", lenient_init)
    target = tmp_path / "page.json"
    with truncating_server(declared=100, sent=b"[1, 2, 3") as (base, _), \
            HttpClient(HttpSettings(base_url=base, read_timeout=2.0)) as client, \
            pytest.raises(HttpSourceError) as caught:
        fetch_to_lake(client, "/page", target_uri=str(target), source="p")

    assert "got 8 bytes of the 100 declared by Content-Length" in one_line(caught.value)
    assert not target.exists()
