"""The bolsa_familia sources: a folder of files (MI Social CSV in either layout, the IBGE
municipality and state lists, transparency API pages saved as JSON), the generated sample, or the
Portal da Transparência API (jobs.sources.transparencia) for the municipalities of the landed list.

Files are classified by their header (CSV), name (``transparencia*.json``) or the MI Social field
names their first record holds (other ``*.json``: a list of records or a Solr response), landed byte for
byte, and read by the transform; a file of no known layout is logged and not landed.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jobs import lake
from jobs.manifest import InputFile, Landing, write_landing
from jobs.sources import InputError
from jobs.sources.transparencia import TransparenciaSettings, extract_api
from schemas import bolsa_familia as S

if TYPE_CHECKING:
    from jobs.config import RunConfig
    from jobs.pipelines import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BolsaFamiliaSettings:
    """Where the bolsa_familia pipeline reads: generated sample, a folder, or the API (plus a
    folder, or the sample, for the municipality and state lists)."""

    source: str = "sample"  # sample | files | api
    input: str | None = None
    api: TransparenciaSettings | None = None  # for --source api

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--source", choices=("sample", "files", "api"), default=None,
                           help="sample: generated data (default without --input); files: the --input folder; "
                                "api: the Portal da Transparência API for the municipalities of the list in --input "
                                "(or of the sample)")
        group.add_argument("--input", metavar="URI",
                           help="folder or s3:// prefix holding MI Social *.csv or *.json (either layout), "
                                "municipios.csv, estados.csv and transparencia*.json pages")
        TransparenciaSettings.add_arguments(group)

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> BolsaFamiliaSettings:
        from jobs.config import ConfigError, user_path

        if args.input is not None and not args.input.strip():
            raise ConfigError("--input: empty; give a folder or s3:// prefix")
        source = args.source or ("files" if args.input else "sample")
        if source == "files" and not args.input:
            raise ConfigError("--source files needs --input (the folder holding the files)")
        if source == "sample" and args.input:
            raise ConfigError("--input and --source sample: give one (--input reads files)")
        api = TransparenciaSettings.from_args(args, environ) if source == "api" else None
        return cls(source=source, input=user_path(args.input) if args.input else None, api=api)


def classify(uri: str) -> str | None:
    """The source a file belongs to: a CSV file by its header; ``transparencia*.json`` by name;
    another JSON file by the MI Social field names at its start (``S.MISOCIAL_JSON_KEYS``)."""
    name = uri.rsplit("/", 1)[-1].lower()
    if name.endswith(".json"):
        if name.startswith("transparencia"):
            return S.API_SOURCE
        head = lake.read_bytes(uri, 65536).decode("utf-8", errors="replace")
        if '"ibge"' not in head or '"anomes"' not in head:
            return None
        layouts = [source for source, measures in S.MISOCIAL_JSON_KEYS.items()
                   if any(f'"{k}"' in head for k in measures)]
        if len(layouts) > 1:
            raise InputError(f"{uri}: holds the fields of both MI Social layouts ({' and '.join(layouts)}); "
                             "give each layout in a file of its own")
        return layouts[0] if layouts else None
    if not name.endswith(".csv"):
        return None
    head = lake.read_bytes(uri, 4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    first = head.splitlines()[0] if head.strip() else ""
    header = [h.strip() for h in next(csv.reader(io.StringIO(first)), [])]
    return next((layout.name for layout in S.CSV_LAYOUTS if layout.header == header), None)


def _land_folder(folder: str, raw_dir: str, run_id: str) -> list[InputFile]:
    if not lake.is_s3(folder) and not Path(folder).is_dir():
        what = "is a file, not a folder" if Path(folder).exists() else "does not exist"
        raise InputError(f"--input {folder} {what}: give the folder holding the MI Social, municipios.csv and "
                         "estados.csv files")
    inputs = []
    for info in lake.list_files(folder.rstrip("/")):
        if info.uri.rsplit("/", 1)[0] != folder.rstrip("/"):
            continue
        source = classify(info.uri)
        if source is None:
            log.warning("[%s] %s: not a bolsa_familia layout, not landed", run_id, info.uri)
            continue
        target = lake.join(raw_dir, info.uri.rsplit("/", 1)[-1])
        log.info("[%s] landing %s as %s (%d bytes)", run_id, info.uri, source, info.size)
        lake.copy(info.uri, target)
        inputs.append(InputFile(source=source, uri=target, original_uri=info.uri, size=info.size,
                                sha256=lake.sha256(target)))
    if not any(f.source == S.MUNICIPIOS_SOURCE for f in inputs):
        raise InputError(f"--input {folder}: no municipios.csv (codigo_ibge,nome,latitude,longitude,capital,"
                         "codigo_uf): the municipality list maps every code")
    return inputs


def municipality_codes(inputs: list[InputFile]) -> list[str]:
    """The 7-digit codes of the landed municipality list(s), sorted (the API is asked for these)."""
    codes = set()
    for f in inputs:
        if f.source == S.MUNICIPIOS_SOURCE:
            rows = csv.reader(io.StringIO(lake.read_text(f.uri).lstrip("\ufeff")))
            next(rows, None)
            codes.update(r[0].strip() for r in rows if r and r[0].strip().isdigit() and len(r[0].strip()) == 7)
    return sorted(codes)


def land(cfg: RunConfig, pipeline: Pipeline) -> Landing:
    from jobs.sources.files import sample_folder

    settings: BolsaFamiliaSettings = cfg.settings
    raw_dir = cfg.layout.raw(pipeline.name, cfg.run_date, cfg.run_id)
    folder = settings.input or sample_folder(pipeline, scale=cfg.sample_scale, seed=cfg.seed)
    inputs = _land_folder(folder, raw_dir, cfg.run_id)
    if settings.source == "api":
        inputs = [f for f in inputs if f.source != S.API_SOURCE]  # the API's pages replace saved ones
        inputs += extract_api(settings.api, lake.join(raw_dir, "api"),
                                     checkpoint_uri=cfg.layout.state(pipeline.name, "transparencia"),
                                     municipalities=municipality_codes(inputs))
    landing = Landing(run_id=cfg.run_id, pipeline=pipeline.name, ingest_date=cfg.run_date.isoformat(),
                      inputs=inputs, lake=cfg.layout.root, sample=settings.input is None)
    write_landing(landing)
    return landing
