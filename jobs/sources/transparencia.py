"""The Portal da Transparência source: monthly transfers per municipality from the portal's REST
API (``api-de-dados``), every page landed byte for byte in the raw zone before anything parses it.

Requests: ``GET {base}/api-de-dados/<endpoint>?mesAno=YYYYMM&codigoIbge=NNNNNNN&pagina=N`` with
the header ``chave-api-dados: <key>``. One sequence per (month, municipality), ``pagina`` from 1
until a page is an empty JSON list (that empty page is landed and recorded too: it proves the
end was reached). Pages land at ``<raw>/transparencia/<endpoint>/<YYYYMM>/<code>/pagina=<n>.json``
with ``source="transparencia"``.

The programme changed name, and the portal's endpoint with it (``DEFAULT_PERIODS``):

===================  ===================  ======================================
months               programme            endpoint (under ``/api-de-dados/``)
===================  ===================  ======================================
2013-01 … 2021-10    Bolsa Família        ``bolsa-familia-por-municipio``
2021-11 … 2023-02    Auxílio Brasil       ``auxilio-brasil-por-municipio``
2023-03 …            Novo Bolsa Família   ``novo-bolsa-familia-por-municipio``
===================  ===================  ======================================

How sure these are: the three paths and their query parameters (``mesAno``, ``codigoIbge``,
``pagina``) and the header name are the ones used by many independent public clients of the
portal, and ``bolsa-familia-por-municipio`` and the ``novo-bolsa-familia-*`` family appear on
the portal's own API pages and changelog. Not verified against the portal's swagger here (no
access to it from this environment): the exact month boundaries (taken from the programmes'
history, 2021-11 and 2023-03, which third-party clients use too) and the first month the portal
serves (January 2013, as third-party clients state). A month outside every period is refused
before any request; ``TransparenciaSettings.periods`` changes the table if the portal differs.

The key comes from ``CONSTELLATION_TRANSPARENCIA_KEY`` or from a Secrets Manager secret
(``--key-secret-arn`` or ``CONSTELLATION_TRANSPARENCIA_KEY_SECRET_ARN``; a JSON object with the
key under ``api_key``). It is sent as a secret header of the shared HTTP client: never in a repr,
a log line, an error message or a file. No key: a ConfigError before any request. A 401/403: a
one-line ConfigError saying where the key was read from and what to set.

Resumable and incremental: every page is recorded in a ``Checkpoint`` at a stable lake URI
(given by the caller, the same for every run), keyed ``<endpoint>/<YYYYMM>/<code>/pagina=<n>``.
A (month, municipality) whose empty last page is recorded is never asked for again; a run killed
half-way asks only for the pages it had not landed. ``extract_api`` returns the InputFiles of
every page in the requested range, landed by this run or an earlier one, so the run's Landing
lists all of it. A recorded page whose raw file is gone (the clean step removes the raw files of
runs that never published: a run killed, then cleaned before it was resumed) is fetched again
into this run's raw folder and recorded anew; checking costs one listing per earlier run and
month, not a request per page. Resuming reads one small checkpoint document per recorded page.

Progress at INFO: per month, the sequences fetched and those resumed from the checkpoint and
the page requests made (retries not counted), with a line every ``PROGRESS_EVERY``
municipalities inside a month; the shared ``paginate`` adds one line per sequence.

Rate: a client-side token bucket at ``requests_per_minute`` (default 90, the portal's daytime
limit for this family of APIs; the portal suspends a key that goes over), in front of every
attempt, retries included; 429 (honouring ``Retry-After``) and 5xx are retried with backoff by
the shared client.

How long a national extraction takes at 90 requests a minute: 5,570 municipalities, and each
(month, municipality) costs two requests at least (the page holding the municipality's record,
then the empty page that ends the sequence):

- one month: 5,570 x 2 = 11,140 requests = 123.8 minutes, about 2 h 04 min;
- one year: 133,680 requests = 1,485 minutes, about 24 h 45 min;
- 2013-01 … 2025-12 (156 months): 1,737,840 requests = 19,309 minutes, about 13.4 days.

A second run over the same range asks nothing (everything is in the checkpoint); a monthly run
that adds one month costs the two hours of that month. Restricting ``--municipalities`` divides
the time in proportion. If the portal's night-time allowance is higher, ``--requests-per-minute``
raises the rate (check the portal's current terms first: a suspended key stops every run).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jobs import lake
from jobs.config import ConfigError
from jobs.manifest import InputFile
from jobs.sources import InputError
from jobs.sources.http import (
    CREDENTIAL_STATUSES,
    MAX_RETRIES,
    Checkpoint,
    HttpClient,
    HttpSettings,
    HttpSourceError,
    fetch_to_lake,
    paginate,
)

log = logging.getLogger(__name__)

SOURCE = "transparencia"
DEFAULT_BASE_URL = "https://api.portaldatransparencia.gov.br"
API_PREFIX = "api-de-dados"
KEY_HEADER = "chave-api-dados"
KEY_ENV = "CONSTELLATION_TRANSPARENCIA_KEY"
KEY_SECRET_ARN_ENV = "CONSTELLATION_TRANSPARENCIA_KEY_SECRET_ARN"
BASE_URL_ENV = "CONSTELLATION_TRANSPARENCIA_BASE_URL"
SECRET_FIELDS = ("api_key", "chave-api-dados", "key")  # where the key may be in the secret's JSON object
PAGE_PARAM = "pagina"
MUNICIPALITIES_IN_BRAZIL = 5_570
PROGRESS_EVERY = 500  # municipalities between progress lines within a month (~11 min at 90/min)

# (first month, last month or None for "still current", endpoint under /api-de-dados/)
DEFAULT_PERIODS: tuple[tuple[str, str | None, str], ...] = (
    ("201301", "202110", "bolsa-familia-por-municipio"),
    ("202111", "202302", "auxilio-brasil-por-municipio"),
    ("202303", None, "novo-bolsa-familia-por-municipio"),
)

_MONTH = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^\d{7}$")
_ENDPOINT = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$")


def _month(flag: str, value: object) -> str:
    text = str(value).strip() if value is not None else ""
    if not _MONTH.match(text):
        raise ConfigError(f"{flag}: {value!r} is not a month (YYYYMM, e.g. 202201)")
    return text


def months_between(first: str, last: str) -> list[str]:
    """``first`` … ``last`` inclusive, as YYYYMM."""
    year, month = int(first[:4]), int(first[4:])
    out = []
    while f"{year:04d}{month:02d}" <= last:
        out.append(f"{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _codes(flag: str, values: Iterable[object]) -> tuple[str, ...]:
    codes = [str(v).strip() for v in values if str(v).strip()]
    if bad := [c for c in codes if not _CODE.match(c)]:
        raise ConfigError(f"{flag}: {', '.join(bad[:10])}{' …' if len(bad) > 10 else ''} "
                          "are not 7-digit IBGE municipality codes")
    return tuple(sorted(set(codes)))


@dataclass(frozen=True)
class TransparenciaSettings:
    """Where and what to extract from the portal. Validated when built, so a bad value fails
    before any request. The API key is held with ``repr=False`` (and left out of comparisons):
    it never shows in a repr or a log line."""

    base_url: str = DEFAULT_BASE_URL
    periods: tuple[tuple[str, str | None, str], ...] = DEFAULT_PERIODS
    from_month: str | None = None  # YYYYMM; required to extract
    to_month: str | None = None  # YYYYMM, inclusive; default: from_month
    municipalities: tuple[str, ...] | None = None  # restrict to these 7-digit IBGE codes
    requests_per_minute: float = 90.0
    retries: int = 5
    backoff_factor: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    key_secret_arn: str | None = None
    api_key: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^/\s]+", self.base_url or ""):
            raise ConfigError(f"--base-url must start with http:// or https://, got {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        object.__setattr__(self, "periods", _check_periods(self.periods))
        if self.from_month is not None:
            object.__setattr__(self, "from_month", _month("--from", self.from_month))
        if self.to_month is not None:
            object.__setattr__(self, "to_month", _month("--to", self.to_month))
            if self.from_month is None:
                raise ConfigError("--to needs --from (the first month to extract)")
            if self.to_month < self.from_month:
                raise ConfigError(f"--to {self.to_month} is before --from {self.from_month}")
        if self.municipalities is not None:
            codes = _codes("--municipalities", self.municipalities)
            if not codes:
                raise ConfigError("--municipalities: empty; give comma-separated 7-digit IBGE codes or leave it out")
            object.__setattr__(self, "municipalities", codes)
        for flag, value in (("--requests-per-minute", self.requests_per_minute),
                            ("--api-timeout", self.read_timeout), ("connect_timeout", self.connect_timeout)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"{flag}: must be a positive number, got {value!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= MAX_RETRIES:
            raise ConfigError(f"--api-retries: must be an integer from 0 to {MAX_RETRIES}, got {self.retries!r}")
        if self.key_secret_arn is not None and not str(self.key_secret_arn).startswith("arn:"):
            raise ConfigError(f"--key-secret-arn: {self.key_secret_arn!r} is not a Secrets Manager ARN (arn:aws:…)")
        if self.api_key is not None and (not isinstance(self.api_key, str) or "\n" in self.api_key):
            raise ConfigError(f"{KEY_ENV}: the key must be a single line (value not shown)")

    # -- CLI --

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--from", dest="from_month", metavar="YYYYMM",
                           help="API: first month to extract (mesAno)")
        group.add_argument("--to", dest="to_month", metavar="YYYYMM",
                           help="API: last month to extract, inclusive (default: --from)")
        group.add_argument("--municipalities", metavar="CODES",
                           help="API: only these comma-separated 7-digit IBGE codes (default: every municipality "
                                "in the IBGE list)")
        group.add_argument("--base-url", default=DEFAULT_BASE_URL,
                           help=f"API: Portal da Transparência base (default {DEFAULT_BASE_URL}; env {BASE_URL_ENV})")
        group.add_argument("--requests-per-minute", type=float, default=90.0,
                           help="API: at most this many requests a minute, retries included (default 90, the "
                                "portal's daytime limit)")
        group.add_argument("--api-retries", type=int, default=5,
                           help="API: retries of a request on 429/5xx or a network error, with backoff (default 5)")
        group.add_argument("--api-timeout", type=float, default=60.0,
                           help="API: seconds to wait for a response before retrying it (default 60)")
        group.add_argument("--key-secret-arn", metavar="ARN",
                           help=f"API: Secrets Manager secret holding the API key as {{\"api_key\": …}} (default: "
                                f"env {KEY_SECRET_ARN_ENV}, else the key itself in env {KEY_ENV})")

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> TransparenciaSettings:
        base_url = getattr(args, "base_url", None) or DEFAULT_BASE_URL
        if base_url == DEFAULT_BASE_URL and environ.get(BASE_URL_ENV):
            base_url = environ[BASE_URL_ENV]
        municipalities = getattr(args, "municipalities", None)
        if municipalities is not None:
            municipalities = tuple(municipalities.split(",")) if isinstance(municipalities, str) else municipalities
        return cls(base_url=base_url, from_month=getattr(args, "from_month", None),
                   to_month=getattr(args, "to_month", None), municipalities=municipalities,
                   requests_per_minute=getattr(args, "requests_per_minute", 90.0),
                   retries=getattr(args, "api_retries", 5), read_timeout=getattr(args, "api_timeout", 60.0),
                   key_secret_arn=getattr(args, "key_secret_arn", None) or environ.get(KEY_SECRET_ARN_ENV) or None,
                   api_key=(environ.get(KEY_ENV) or "").strip() or None)

    # -- derived --

    @property
    def months(self) -> list[str]:
        if self.from_month is None:
            raise ConfigError("--from: give the first month to extract (YYYYMM); --to the last (default: --from)")
        return months_between(self.from_month, self.to_month or self.from_month)

    def endpoint(self, month: str) -> str:
        """The endpoint serving ``month`` (see ``periods``)."""
        for first, last, path in self.periods:
            if first <= month and (last is None or month <= last):
                return path
        covered = ", ".join(f"{f}…{lst or ''} {p}" for f, lst, p in self.periods)
        raise ConfigError(f"--from/--to: no portal endpoint is configured for month {month} (covered: {covered})")

    def key_source(self) -> str:
        """Where the key is read from, for error messages (never the key)."""
        if self.api_key:
            return f"env {KEY_ENV}"
        if self.key_secret_arn:
            return f"secret {self.key_secret_arn} (--key-secret-arn / {KEY_SECRET_ARN_ENV})"
        return "nowhere"

    def resolve_key(self, *, secrets_client=None) -> str:
        """The API key: the environment's, else the secret's. ConfigError naming what to set when
        there is none. ``secrets_client`` (a boto3 secretsmanager client) is injectable for tests."""
        if self.api_key:
            return self.api_key
        if self.key_secret_arn:
            from jobs.secret_store import secret_json

            secret = secret_json(self.key_secret_arn, _region_of(self.key_secret_arn), client=secrets_client)
            for name in SECRET_FIELDS:
                value = secret.get(name)
                if isinstance(value, str) and value.strip():
                    return value.strip()
            raise ConfigError(f"secret {self.key_secret_arn} holds no Portal da Transparência API key: expected a "
                              f"JSON object with the key under {SECRET_FIELDS[0]!r} (value not shown)")
        raise ConfigError(f"no Portal da Transparência API key: set env {KEY_ENV} to the key, or --key-secret-arn "
                          f"(or env {KEY_SECRET_ARN_ENV}) to a Secrets Manager secret holding it as "
                          f"{{\"{SECRET_FIELDS[0]}\": …}} (register for a key at "
                          "https://portaldatransparencia.gov.br/api-de-dados)")

    def http_settings(self, key: str) -> HttpSettings:
        return HttpSettings(base_url=self.base_url, connect_timeout=self.connect_timeout,
                            read_timeout=self.read_timeout, retries_total=self.retries,
                            backoff_factor=self.backoff_factor, requests_per_minute=self.requests_per_minute,
                            burst=1, headers={"Accept": "application/json"}, secret_headers={KEY_HEADER: key})


def _check_periods(periods: object) -> tuple[tuple[str, str | None, str], ...]:
    if isinstance(periods, str | bytes) or not isinstance(periods, Iterable):
        raise ConfigError("periods: give a list of (first YYYYMM, last YYYYMM or None, endpoint)")
    out: list[tuple[str, str | None, str]] = []
    for entry in periods:
        if isinstance(entry, str | bytes) or not isinstance(entry, Sequence) or len(entry) != 3:
            raise ConfigError(f"periods: {entry!r} is not (first YYYYMM, last YYYYMM or None, endpoint)")
        first, last, path = entry
        first = _month("periods", first)
        last = None if last in (None, "") else _month("periods", last)
        path = str(path).strip().strip("/").removeprefix(f"{API_PREFIX}/")
        if not _ENDPOINT.match(path):
            raise ConfigError(f"periods: {entry[2]!r} is not an endpoint path such as bolsa-familia-por-municipio")
        if last is not None and last < first:
            raise ConfigError(f"periods: {path} ends ({last}) before it starts ({first})")
        out.append((first, last, path))
    if not out:
        raise ConfigError("periods: empty; at least one (first, last, endpoint) is needed")
    out.sort(key=lambda p: p[0])
    for (_, last, path), (first, _, nxt) in zip(out, out[1:], strict=False):
        if last is None or last >= first:
            raise ConfigError(f"periods: {path} and {nxt} overlap (from {first}): each month needs one endpoint")
    return tuple(out)


def _region_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


# ---- extraction ----


def select_municipalities(settings: TransparenciaSettings, municipalities: Iterable[object]) -> list[str]:
    """The landed IBGE list, restricted to ``settings.municipalities`` when given (codes not in
    the list: ConfigError naming them)."""
    codes = [str(c).strip() for c in municipalities if str(c).strip()]
    if bad := [c for c in codes if not _CODE.match(c)]:
        raise InputError(f"the IBGE municipality list holds {len(bad)} code(s) that are not 7 digits: "
                         f"{', '.join(bad[:10])}{' …' if len(bad) > 10 else ''}")
    known = sorted(set(codes))
    if not known:
        raise InputError("the IBGE municipality list is empty: nothing to extract from the portal")
    if settings.municipalities is None:
        return known
    listed = set(known)
    if unknown := [c for c in settings.municipalities if c not in listed]:
        raise ConfigError(f"--municipalities: {', '.join(unknown[:20])}{' …' if len(unknown) > 20 else ''} "
                          f"{'is' if len(unknown) == 1 else 'are'} not in the IBGE municipality list "
                          f"({len(known)} codes)")
    return list(settings.municipalities)


def extract_api(settings: TransparenciaSettings, raw_dir: str, *, checkpoint_uri: str, municipalities: list[str],
                client: HttpClient | None = None, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic, secrets_client=None) -> list[InputFile]:
    """Land every page of every (month, municipality) in ``settings``' range under ``raw_dir``,
    resuming from the checkpoint at ``checkpoint_uri`` (a stable URI, the same every run).

    Returns the InputFiles of the whole range, in (month, municipality, page) order, landed now or
    by an earlier run. ``client``: an HttpClient already configured (its key included); without
    one, the key is resolved first (ConfigError before any request when there is none) and a
    client made with the injectable ``sleep``/``clock`` of its rate limiter."""
    months = settings.months
    endpoints = {month: settings.endpoint(month) for month in months}  # a month without one fails here
    codes = select_municipalities(settings, municipalities)
    own = client is None
    if own:
        client = HttpClient(settings.http_settings(settings.resolve_key(secrets_client=secrets_client)),
                            clock=clock, sleep=sleep)
    checkpoint = Checkpoint(checkpoint_uri)
    log.info("Portal da Transparência: %d month(s) %s…%s × %d municipalities = %d sequences; %d page(s) already "
             "in checkpoint %s; at most %g requests a minute", len(months), months[0], months[-1], len(codes),
             len(months) * len(codes), len(checkpoint), checkpoint_uri, settings.requests_per_minute)
    inputs: list[InputFile] = []
    requests_total = 0
    try:
        for month in months:
            endpoint = endpoints[month]
            files = _LandedFiles()  # per month: the listings it keeps are of this month's folders only
            fetched = resumed = requests_month = 0
            for done, code in enumerate(codes, start=1):
                pages, requests = _sequence(client, settings, checkpoint, raw_dir, endpoint, month, code, files)
                inputs += pages
                requests_month += requests
                if requests:
                    fetched += 1
                else:
                    resumed += 1
                if done % PROGRESS_EVERY == 0 and done < len(codes):
                    log.info("%s (%s): %d of %d municipalities (%d fetched, %d resumed; %d page request(s))",
                             month, endpoint, done, len(codes), fetched, resumed, requests_month)
            requests_total += requests_month
            log.info("%s (%s): %d sequence(s) fetched, %d resumed from the checkpoint; %d page request(s)",
                     month, endpoint, fetched, resumed, requests_month)
    finally:
        if own:
            client.close()
    log.info("Portal da Transparência: %d page(s) in range (%d requested by this run, retries not counted)",
             len(inputs), requests_total)
    return inputs


class _LandedFiles:
    """Whether pages recorded by earlier runs are still in the raw zone (the clean step removes
    the raw files of runs that never published, so a run killed and cleaned before it was resumed
    leaves checkpoint records pointing at nothing). One listing per earlier run's month folder,
    not one request per page."""

    def __init__(self) -> None:
        self._listed: dict[str, set[str]] = {}

    def exists(self, landed: InputFile, endpoint: str, month: str) -> bool:
        uri = _normal(landed.uri)
        marker = f"/{SOURCE}/{endpoint}/{month}/"
        if marker not in uri:  # not laid out by this module: ask for the file itself
            return lake.exists(landed.uri)
        folder = uri[: uri.rindex(marker) + len(marker) - 1]
        if folder not in self._listed:
            self._listed[folder] = {_normal(info.uri) for info in lake.list_files(folder)}
        return uri in self._listed[folder]


def _normal(uri: str) -> str:
    return uri if lake.is_s3(uri) else str(Path(uri))


def _sequence(client: HttpClient, settings: TransparenciaSettings, checkpoint: Checkpoint, raw_dir: str,
              endpoint: str, month: str, code: str, files: _LandedFiles) -> tuple[list[InputFile], int]:
    """Every page of one (month, municipality), and the number of requests it took (0: all of it
    came from the checkpoint)."""
    folder = lake.join(raw_dir, SOURCE, endpoint, month, code)
    path, params, key = f"{API_PREFIX}/{endpoint}", {"mesAno": month, "codigoIbge": code}, f"{endpoint}/{month}/{code}"

    def target(page: int) -> str:
        return lake.join(folder, f"{PAGE_PARAM}={page}.json")

    try:
        healed = _heal(client, checkpoint, files, path, params, key, endpoint, month, target)
        before = len(checkpoint)
        pages = paginate(client, path, params, checkpoint=checkpoint, key=key, source=SOURCE,
                         page_param=PAGE_PARAM, first_page=1, target_uri=target)
        return pages, healed + len(checkpoint) - before
    except HttpSourceError as exc:
        if exc.status in CREDENTIAL_STATUSES:
            where = (f"the key read from {settings.key_source()} is missing, invalid or suspended"
                     if settings.key_source() != "nowhere" else "the key the client sends is invalid or suspended")
            raise ConfigError(
                f"Portal da Transparência refused the API key (HTTP {exc.status}) for GET {exc.url}: {where}; set a "
                f"valid key in env {KEY_ENV} or in the secret named by --key-secret-arn / {KEY_SECRET_ARN_ENV} "
                "(value not shown)") from None
        raise


def _heal(client: HttpClient, checkpoint: Checkpoint, files: _LandedFiles, path: str, params: dict, key: str,
          endpoint: str, month: str, target: Callable[[int], str]) -> int:
    """Fetch again, into this run's raw folder, the recorded pages of a sequence whose files are
    gone, and record them anew; returns the requests made."""
    requests = 0
    page = 1
    while checkpoint.done(page_key := f"{key}/{PAGE_PARAM}={page}"):
        final = checkpoint.is_final(page_key)
        landed = checkpoint.input_file(page_key)
        if not files.exists(landed, endpoint, month):
            again = fetch_to_lake(client, path, {**params, PAGE_PARAM: page}, target_uri=target(page), source=SOURCE)
            requests += 1
            checkpoint.record(page_key, again, final=final)
            if again.sha256 != landed.sha256:
                log.warning("%s: recorded as landed at %s, which is gone; fetched again and the portal's answer "
                            "changed since (%d bytes, was %d): delete %s under the checkpoint to re-extract the "
                            "whole sequence", page_key, landed.uri, again.size, landed.size, key)
            else:
                log.info("%s: recorded as landed at %s, which is gone; fetched again", page_key, landed.uri)
        if final:
            break
        page += 1
    return requests
