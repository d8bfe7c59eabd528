"""The Eurostat source: datasets fetched from Eurostat's dissemination API (JSON-stat 2.0
statistics API or bulk SDMX TSV), or read from a folder of files, landed byte for byte in the
raw zone before anything parses them.

Statistics API (``--source api``): ``{base}/statistics/1.0/data/{dataset}?format=JSON&lang=EN``
with ``sinceTimePeriod``/``untilTimePeriod``. Each dataset is asked for as one request per
``--years-per-request`` years; Eurostat refuses an extraction that is too big with HTTP 413
(EXTRACTION_TOO_BIG), and then the request is split in two by years, down to one year, then by
NUTS level (``geoLevel``), and retried. When Eurostat answers asynchronously (a key instead of
data), the status is polled at ``{base}/1.0/async/status/{key}`` until AVAILABLE and the data
fetched from ``{base}/1.0/async/data/{key}``; EXPIRED resubmits the request once. Requests are
sequential (Eurostat's fair-use rule) and go through the shared HTTP client (retries with
backoff on 429/5xx honouring Retry-After, timeouts, a clear one-line error when it gives up).

Bulk (``--source bulk``): ``{base}/sdmx/2.1/data/{dataset}?format=TSV&compressed=true``, the
whole dataset as one gzip TSV.

Files (``--input DIR``): every ``*.json`` / ``*.tsv`` / ``*.tsv.gz`` whose path names a dataset
(``estat_demo_r_pjanind3.tsv.gz``, ``jsonstat/demo_r_pjangrp3/DE.json``) and the NUTS list
(``nuts-*.csv``), searched recursively; with both formats for a dataset, ``--format`` chooses
(default: JSON-stat, the API's format).

The vintage (the date the figures stand for in history) is ``--as-of``, else the sample's
publication date, else the run date.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from jobs import lake
from jobs.manifest import InputFile, Landing, write_landing
from jobs.sources import InputError
from jobs.sources.http import HttpClient, HttpSettings, HttpSourceError, fetch_to_lake
from schemas.eurostat import DATASET_DIMENSIONS, RAW_NUTS

if TYPE_CHECKING:
    from jobs.config import RunConfig
    from jobs.pipelines import Pipeline

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://ec.europa.eu/eurostat/api/dissemination"
DATASETS = tuple(DATASET_DIMENSIONS)
NUTS_SOURCE = RAW_NUTS.name
ASYNC_NOTICE = "eurostat_async"  # landed, never parsed: Eurostat's "come back later" replies
GEO_LEVELS = ("country", "nuts1", "nuts2", "nuts3", "aggregate")
_NOTICE_MAX = 64 * 1024  # an async notice or status is a few hundred bytes; data is never this small


def dataset_of(path: str) -> str | None:
    """The dataset a file's path names (case-insensitive), or None."""
    low = path.lower()
    found = [d for d in DATASETS if d in low]
    return found[0] if len(found) == 1 else None


def file_format(path: str) -> str | None:
    low = path.lower()
    if low.endswith(".json"):
        return "json"
    if low.endswith((".tsv", ".tsv.gz")):
        return "tsv"
    return None


def _date(flag: str, text: str | None) -> date | None:
    from jobs.config import ConfigError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class EurostatSettings:
    """Where the eurostat pipeline reads and which vintage a run loads."""

    source: str = "sample"  # sample | files | api | bulk
    input: str | None = None
    base_url: str = DEFAULT_BASE_URL
    datasets: tuple[str, ...] = DATASETS
    as_of: date | None = None
    format: str = "auto"  # files: json | tsv | auto
    first_year: int = 2014
    last_year: int | None = None  # default: the vintage's year
    years_per_request: int = 5
    poll_seconds: float = 10.0
    max_wait_seconds: float = 1800.0
    sample_vintage: int = 1
    requests_per_minute: float = 30.0
    nuts: str | None = None  # a NUTS list for API runs (the API has none)
    http: HttpSettings = field(default_factory=HttpSettings, repr=False)

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--source", choices=("sample", "api", "bulk"), default=None,
                           help="sample: generated data (default without --input); api: the JSON-stat "
                                "statistics API; bulk: the bulk SDMX TSV download")
        group.add_argument("--input", metavar="URI",
                           help="folder or s3:// prefix with *.json (JSON-stat) / *.tsv[.gz] files whose path names "
                                "the dataset, and optionally nuts-*.csv (searched recursively)")
        group.add_argument("--format", choices=("auto", "json", "tsv"), default="auto",
                           help="with --input holding both formats of a dataset: which one to read (auto: json)")
        group.add_argument("--datasets", default=",".join(DATASETS),
                           help=f"comma-separated datasets (default {','.join(DATASETS)})")
        group.add_argument("--as-of", metavar="YYYY-MM-DD",
                           help="the vintage this run loads: the date Eurostat published the figures (default: "
                                "the sample's publication date, else the run date)")
        group.add_argument("--base-url", default=DEFAULT_BASE_URL,
                           help=f"Eurostat API base (default {DEFAULT_BASE_URL}; env CONSTELLATION_EUROSTAT_BASE_URL)")
        group.add_argument("--first-year", type=int, default=2014, help="API: first year asked for (default 2014)")
        group.add_argument("--last-year", type=int, help="API: last year asked for (default: the vintage's year)")
        group.add_argument("--years-per-request", type=int, default=5,
                           help="API: years per request before any 413 split (default 5)")
        group.add_argument("--poll-seconds", type=float, default=10.0,
                           help="API: seconds between asynchronous status checks (default 10)")
        group.add_argument("--max-wait-seconds", type=float, default=1800.0,
                           help="API: give up on an asynchronous request after this long (default 1800)")
        group.add_argument("--requests-per-minute", type=float, default=30.0,
                           help="API: at most this many requests a minute (default 30; Eurostat's fair use)")
        group.add_argument("--retries", type=int, default=5,
                           help="API: retries of a request on 429/5xx or a network error, with backoff (default 5)")
        group.add_argument("--nuts", metavar="URI", help="API and bulk runs: a NUTS code list (nuts-2016.csv layout)")
        group.add_argument("--sample-vintage", type=int, choices=(1, 2), default=1,
                           help="sample data: which of its two publications to load (2 revises 1; default 1)")

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> EurostatSettings:
        from jobs.config import ConfigError, user_path

        datasets = tuple(d.strip().lower() for d in args.datasets.split(",") if d.strip())
        if not datasets or (unknown := [d for d in datasets if d not in DATASETS]):
            raise ConfigError(f"--datasets: {','.join(unknown) if datasets else 'empty'}: choose from "
                              f"{', '.join(DATASETS)}")
        if args.input is not None and not args.input.strip():
            raise ConfigError("--input: empty; give a folder or s3:// prefix")
        if args.input and args.source not in (None, "sample"):
            raise ConfigError(f"--input and --source {args.source}: give one (--input reads files)")
        source = "files" if args.input else (args.source or "sample")
        for flag, value in (("--years-per-request", args.years_per_request), ("--poll-seconds", args.poll_seconds),
                            ("--max-wait-seconds", args.max_wait_seconds),
                            ("--requests-per-minute", args.requests_per_minute)):
            if value <= 0:
                raise ConfigError(f"{flag}: must be positive, got {value}")
        if args.last_year is not None and args.last_year < args.first_year:
            raise ConfigError(f"--last-year {args.last_year} is before --first-year {args.first_year}")
        base_url = environ.get("CONSTELLATION_EUROSTAT_BASE_URL") if args.base_url == DEFAULT_BASE_URL else None
        base_url = (base_url or args.base_url).rstrip("/")
        try:
            http = HttpSettings(base_url=base_url, requests_per_minute=args.requests_per_minute, burst=2,
                                retries_total=args.retries)
        except ConfigError as exc:
            raise ConfigError(f"--base-url / --retries: {exc}") from None
        return cls(source=source, input=user_path(args.input) if args.input else None, base_url=base_url,
                   datasets=datasets, as_of=_date("--as-of", args.as_of), format=args.format,
                   first_year=args.first_year, last_year=args.last_year, years_per_request=args.years_per_request,
                   poll_seconds=args.poll_seconds, max_wait_seconds=args.max_wait_seconds,
                   sample_vintage=args.sample_vintage, requests_per_minute=args.requests_per_minute,
                   nuts=user_path(args.nuts) if args.nuts else None, http=http)


# ---- land ----


def land(cfg: RunConfig, pipeline: Pipeline) -> Landing:
    settings: EurostatSettings = cfg.settings
    raw_dir = cfg.layout.raw(pipeline.name, cfg.run_date, cfg.run_id)
    as_of = settings.as_of
    if settings.source in ("sample", "files"):
        folder = settings.input
        if settings.source == "sample":
            from jobs.sources.files import sample_folder
            from samples.eurostat import NUTS_FILE, VINTAGES

            root = sample_folder(pipeline, scale=cfg.sample_scale, seed=cfg.seed)
            vintage = VINTAGES[settings.sample_vintage - 1]
            as_of = as_of or vintage
            inputs = _land_folder(f"{root}/{vintage.isoformat()}/jsonstat", raw_dir, settings, fmt="json")
            inputs += _land_nuts(f"{root}/{NUTS_FILE}", raw_dir)
        else:
            inputs = _land_folder(folder, raw_dir, settings, fmt=settings.format)
    else:
        inputs = extract_api(settings, raw_dir, as_of=as_of or cfg.run_date) if settings.source == "api" \
            else extract_bulk(settings, raw_dir)
        if settings.nuts:
            inputs += _land_nuts(settings.nuts, raw_dir)
    as_of = as_of or cfg.run_date
    landing = Landing(run_id=cfg.run_id, pipeline=pipeline.name, ingest_date=cfg.run_date.isoformat(),
                      inputs=inputs, lake=cfg.layout.root, sample=settings.source == "sample",
                      as_of=as_of.isoformat())
    write_landing(landing)
    return landing


def _land_nuts(uri: str, raw_dir: str) -> list[InputFile]:
    if not lake.exists(uri):
        raise InputError(f"--nuts {uri} does not exist")
    target = lake.join(raw_dir, "nuts", uri.rsplit("/", 1)[-1])
    lake.copy(uri, target)
    return [InputFile(source=NUTS_SOURCE, uri=target, original_uri=uri, size=len(lake.read_bytes(target)),
                      sha256=lake.sha256(target))]


def _land_folder(folder: str | None, raw_dir: str, settings: EurostatSettings, *, fmt: str) -> list[InputFile]:
    """Copy the folder's dataset files (of the chosen format) and NUTS list into the raw zone,
    keeping their relative paths (two datasets may both have a DE.json)."""
    if folder is None or (not lake.is_s3(folder) and not Path(folder).is_dir()):
        what = "is a file, not a folder" if folder and Path(folder).exists() else "does not exist"
        raise InputError(f"--input {folder} {what}: give the folder holding the .json / .tsv.gz files")
    base = folder.rstrip("/")
    files = lake.list_files(base)
    chosen: dict[str, list[lake.FileInfo]] = {}
    nuts: list[lake.FileInfo] = []
    ignored = []
    for info in files:
        relative = info.uri[len(base) + 1:]
        name = relative.rsplit("/", 1)[-1]
        if re.fullmatch(r"nuts-.*\.csv", name, flags=re.IGNORECASE):
            nuts.append(info)
            continue
        dataset, kind = dataset_of(relative), file_format(relative)
        if dataset in settings.datasets and kind:
            chosen.setdefault(f"{dataset}/{kind}", []).append(info)
        else:
            ignored.append(relative)
    if ignored:
        log.warning("--input %s: %d file(s) name no chosen dataset or are not .json/.tsv[.gz], not read: %s",
                    folder, len(ignored), ", ".join(ignored[:5]) + (" …" if len(ignored) > 5 else ""))
    inputs = []
    found = set()
    for dataset in settings.datasets:
        both = [k for k in ("json", "tsv") if f"{dataset}/{k}" in chosen]
        if not both:
            continue
        kind = both[0] if fmt == "auto" else fmt if fmt in both else None
        if kind is None:
            raise InputError(f"--input {folder}: no {fmt} file for {dataset} (found {', '.join(both)}; see --format)")
        if len(both) == 2:
            log.info("%s: both JSON-stat and TSV files in %s; reading %s (--format)", dataset, folder, kind)
        found.add(dataset)
        for info in chosen[f"{dataset}/{kind}"]:
            inputs.append(_copy(info, base, raw_dir, dataset))
    if not found:
        raise InputError(f"--input {folder}: no .json / .tsv / .tsv.gz file naming {' or '.join(settings.datasets)} "
                         "in its path")
    if missing := [d for d in settings.datasets if d not in found]:
        log.info("--input %s holds no file for %s: this run loads %s only", folder, ", ".join(missing),
                 ", ".join(sorted(found)))
    for info in nuts:
        inputs.append(_copy(info, base, raw_dir, NUTS_SOURCE, sub="nuts"))
    return inputs


def _copy(info: lake.FileInfo, base: str, raw_dir: str, source: str, sub: str = "files") -> InputFile:
    relative = info.uri[len(base) + 1:]
    target = lake.join(raw_dir, sub, relative)
    lake.copy(info.uri, target)
    return InputFile(source=source, uri=target, original_uri=info.uri, size=info.size, sha256=lake.sha256(target))


# ---- the statistics API (JSON-stat 2.0) ----


@dataclass(frozen=True)
class Request:
    dataset: str
    first_year: int
    last_year: int
    geo_level: str | None = None

    @property
    def params(self) -> dict[str, str]:
        params = {"format": "JSON", "lang": "EN", "sinceTimePeriod": str(self.first_year),
                  "untilTimePeriod": str(self.last_year)}
        if self.geo_level:
            params["geoLevel"] = self.geo_level
        return params

    @property
    def name(self) -> str:
        return f"{self.first_year}-{self.last_year}" + (f"-{self.geo_level}" if self.geo_level else "")

    def split(self) -> list[Request]:
        """Two halves by years; a single year by NUTS level; a single level cannot be split."""
        if self.last_year > self.first_year:
            middle = (self.first_year + self.last_year) // 2
            return [Request(self.dataset, self.first_year, middle, self.geo_level),
                    Request(self.dataset, middle + 1, self.last_year, self.geo_level)]
        if self.geo_level is None:
            return [Request(self.dataset, self.first_year, self.last_year, level) for level in GEO_LEVELS]
        return []


def extract_api(settings: EurostatSettings, raw_dir: str, *, as_of: date,
                client: HttpClient | None = None, sleep=time.sleep, clock=time.monotonic) -> list[InputFile]:
    """Land every dataset's responses (one per request, after any 413 split or async wait)."""
    last = settings.last_year or as_of.year
    own = client is None
    client = client or HttpClient(settings.http)
    inputs: list[InputFile] = []
    try:
        for dataset in settings.datasets:
            pending = [Request(dataset, y, min(y + settings.years_per_request - 1, last))
                       for y in range(settings.first_year, last + 1, settings.years_per_request)]
            while pending:
                request = pending.pop(0)
                path = f"statistics/1.0/data/{dataset}"
                try:
                    inputs += _fetch_dataset(client, settings, path, request, raw_dir, sleep=sleep, clock=clock)
                except HttpSourceError as exc:
                    if exc.status != 413:
                        raise
                    parts = request.split()
                    if not parts:
                        raise InputError(f"{exc}: Eurostat still finds one year of one NUTS level too big") from None
                    log.info("%s %s: too big for one extraction (HTTP 413): split into %s", dataset, request.name,
                             ", ".join(p.name for p in parts))
                    pending[:0] = parts
            log.info("%s: %d response(s) landed", dataset, sum(1 for f in inputs if f.source == dataset))
    finally:
        if own:
            client.close()
    return inputs


def _fetch_dataset(client: HttpClient, settings: EurostatSettings, path: str, request: Request, raw_dir: str,
                   *, sleep, clock) -> list[InputFile]:
    target = lake.join(raw_dir, "jsonstat", request.dataset, f"{request.name}.json")
    for submission in (1, 2):
        landed = fetch_to_lake(client, path, request.params, target_uri=target, source=request.dataset)
        key = _async_key(landed)
        if key is None:
            return [landed]
        notice = _as_notice(landed, f"{request.dataset}-{request.name}-submission{submission}")
        log.info("%s %s: Eurostat answers asynchronously (key %s); polling its status", request.dataset,
                 request.name, key)
        status = _wait(client, settings, key, raw_dir, sleep=sleep, clock=clock)
        if status == "AVAILABLE":
            data = fetch_to_lake(client, f"1.0/async/data/{key}", None, target_uri=target, source=request.dataset)
            if _async_key(data) is not None:
                raise InputError(f"GET {data.original_uri}: still an asynchronous notice after AVAILABLE")
            return [notice, data]
        log.warning("%s %s: asynchronous request %s EXPIRED%s", request.dataset, request.name, key,
                    "; submitting it again" if submission == 1 else "")
    raise InputError(f"{client.url(path, request.params)}: the asynchronous extraction expired twice; try again later")


def _wait(client: HttpClient, settings: EurostatSettings, key: str, raw_dir: str, *, sleep, clock) -> str:
    started = clock()
    while True:
        response = client.get(f"1.0/async/status/{key}")
        status = _status_of(response.content)
        if status in ("AVAILABLE", "EXPIRED"):
            return status
        if status not in ("SUBMITTED", "PROCESSING"):
            raise InputError(f"GET {response.url}: unexpected asynchronous status {status!r} "
                             f"({response.content[:200]!r})")
        if clock() - started > settings.max_wait_seconds:
            raise InputError(f"asynchronous request {key} still {status} after {settings.max_wait_seconds:g} s "
                             "(--max-wait-seconds)")
        sleep(settings.poll_seconds)


def _async_key(landed: InputFile) -> str | None:
    """The key of an asynchronous notice (small JSON or XML with a key and a status), else None."""
    if landed.size > _NOTICE_MAX:
        return None
    body = lake.read_bytes(landed.uri).decode("utf-8", errors="replace")
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if "id" in doc and ("value" in doc or "size" in doc):
            return None  # a dataset
        found = _find_key(doc)
        return found
    match = re.search(r"<(?:\w+:)?key>\s*([^<\s]+)\s*</(?:\w+:)?key>", body)
    return match.group(1) if match and re.search(r"<(?:\w+:)?status>", body) else None


def _find_key(doc: object) -> str | None:
    if isinstance(doc, dict):
        for name, value in doc.items():
            if name.lower() in ("key", "uuid") and isinstance(value, str) and value:
                return value
            if (found := _find_key(value)) is not None:
                return found
    return None


def _status_of(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        match = re.search(r"<(?:\w+:)?status>\s*([A-Z_]+)\s*</(?:\w+:)?status>", text)
        return match.group(1) if match else ""

    def find(d: object) -> str:
        if isinstance(d, dict):
            for name, value in d.items():
                if name.lower() == "status" and isinstance(value, str):
                    return value.upper()
                if found := find(value):
                    return found
        return ""
    return find(doc)


def _as_notice(landed: InputFile, name: str) -> InputFile:
    """Move a landed async notice aside (kept as raw, never parsed as data)."""
    target = landed.uri.rsplit("/jsonstat/", 1)[0] + f"/async/{name}.notice"
    lake.copy(landed.uri, target)
    lake.delete(landed.uri)
    landed.uri, landed.source = target, ASYNC_NOTICE
    return landed


# ---- bulk TSV ----


def extract_bulk(settings: EurostatSettings, raw_dir: str, client: HttpClient | None = None) -> list[InputFile]:
    own = client is None
    client = client or HttpClient(settings.http)
    try:
        return [fetch_to_lake(client, f"sdmx/2.1/data/{d}", {"format": "TSV", "compressed": "true"},
                              target_uri=lake.join(raw_dir, "tsv", f"estat_{d}.tsv.gz"), source=d)
                for d in settings.datasets]
    finally:
        if own:
            client.close()


def files_of(landing: Landing, dataset: str, kind: str) -> list[str]:
    return [f.uri for f in landing.inputs if f.source == dataset and file_format(f.uri) == kind]


def datasets_in(landing: Landing) -> Sequence[str]:
    return [d for d in DATASETS if any(f.source == d for f in landing.inputs)]
