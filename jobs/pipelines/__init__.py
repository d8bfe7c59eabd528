"""The registry of pipelines: what each one reads, builds and publishes. The CLI, the sample
generator CLI (``python -m samples``), the deploy artefacts and the tests all enumerate pipelines
from here; a new pipeline is one module in this package and one line in ``_MODULES``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jobs.manifest import Landing, RunManifest
from schemas.spec import RawCsv, SourceTable, TableSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from jobs.config import RunConfig
    from jobs.publish import TransformOutput


class Options(Protocol):
    """A pipeline's own CLI options as a frozen settings dataclass (its sources' settings):
    ``add_arguments`` declares the flags, ``from_args`` builds and validates the settings before
    Spark starts, raising ConfigError naming the flag."""

    @classmethod
    def add_arguments(cls, group: argparse._ArgumentGroup) -> None: ...

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str]) -> Any: ...


@dataclass(frozen=True)
class SampleGenerator:
    """A pipeline's deterministic sample data: ``module:function(out_dir, *, scale, seed)``
    returning ``{name: (path, rows)}``; imported only when called."""

    function: str  # "samples.flights:generate_flights_with_counts"
    help: str

    def __call__(self, out_dir: str | Path, *, scale: float, seed: int) -> dict[str, tuple[Path, int]]:
        module, name = self.function.split(":")
        return getattr(import_module(module), name)(out_dir, scale=scale, seed=seed)


@dataclass(frozen=True)
class Pipeline:
    name: str
    description: str
    tables: tuple[TableSpec, ...]
    views: tuple[str, ...]
    transform: Callable[[SparkSession, Landing], TransformOutput]
    sample: SampleGenerator
    options: type[Options] | None = None  # the settings dataclass its CLI options build
    sources: tuple[RawCsv | SourceTable, ...] = ()  # raw layouts: files (RawCsv) or database tables
    # Land step: default jobs.sources.files.land (a folder of files); a database or API source
    # brings its own.
    land: Callable[[RunConfig], Landing] | None = None
    on_loaded: Callable[[RunConfig, RunManifest], None] | None = None  # after a run's load commits
    file_trigger: str | None = None  # the source whose new file starts a cloud run (S3 event)
    # Views over another pipeline's tables: view -> the tables it needs; created once they exist
    # (the load logs what is missing instead of failing).
    view_requires: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Debian packages a laptop run needs beyond Java and the venv: (package, a file it provides)
    system_packages: tuple[tuple[str, str], ...] = ()

    @property
    def reads_files(self) -> bool:
        """Landed from a folder of files (takes ``--input``), not from its own source hook."""
        return self.land is None

    @property
    def warehouse_tables(self) -> tuple[TableSpec, ...]:
        """Its tables plus the shared quarantine table every run loads."""
        from schemas.common import QUARANTINE

        return (*self.tables, QUARANTINE)

    @property
    def specs(self) -> dict[str, TableSpec]:
        return {t.name: t for t in self.warehouse_tables}


_MODULES = {
    "flights": "jobs.pipelines.flights",
    "adventureworks": "jobs.pipelines.adventureworks",
    "olist": "jobs.pipelines.olist",
    "eurostat": "jobs.pipelines.eurostat",
    "ess": "jobs.pipelines.ess",
    "bolsa_familia": "jobs.pipelines.bolsa_familia",
}


def names() -> list[str]:
    return sorted(_MODULES)


def all_pipelines() -> list[Pipeline]:
    return [get(n) for n in names()]


def get(name: str) -> Pipeline:
    if name not in _MODULES:
        raise KeyError(f"unknown pipeline {name!r}; choose from {', '.join(names())}")
    return import_module(_MODULES[name]).PIPELINE


def main(argv: list[str]) -> int:
    """``python -m jobs.pipelines system-packages [PIPELINE]``: the Debian packages (and a file
    each provides) a laptop run of PIPELINE (default: every pipeline) needs; scripts/setup.sh
    installs the missing ones."""
    if not argv or argv[0] != "system-packages":
        print("usage: python -m jobs.pipelines system-packages [PIPELINE]", file=sys.stderr)
        return 2
    if len(argv) > 1 and argv[1] not in _MODULES:
        return 2  # the CLI's argument check names the unknown pipeline
    chosen = [get(argv[1])] if len(argv) > 1 else all_pipelines()
    for package, provides in dict.fromkeys(p for pipeline in chosen for p in pipeline.system_packages):
        print(package, provides)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
