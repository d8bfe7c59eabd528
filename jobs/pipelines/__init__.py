"""The registry of pipelines: what each one reads, builds and publishes. The CLI, the deploy
artefacts and the tests all enumerate pipelines from here; a new pipeline is one entry."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from pyspark.sql import SparkSession

from jobs.manifest import Landing, RunManifest
from jobs.publish import TransformOutput
from schemas.spec import RawCsv, TableSpec

if TYPE_CHECKING:
    from jobs.config import RunConfig


@dataclass(frozen=True)
class Pipeline:
    name: str
    description: str
    tables: tuple[TableSpec, ...]
    views: tuple[str, ...]
    sources: tuple[RawCsv, ...]
    transform: Callable[[SparkSession, Landing], TransformOutput]
    generate_sample: Callable[..., object]  # (out_dir, *, scale, seed)
    # Optional hooks for sources that are not a folder of files (e.g. a database):
    land: Callable[[RunConfig], Landing] | None = None  # default: jobs.sources.files.land_files
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None  # pipeline CLI options
    on_loaded: Callable[[RunConfig, RunManifest], None] | None = None  # after a run's load commits

    @property
    def specs(self) -> dict[str, TableSpec]:
        return {t.name: t for t in self.tables}


_MODULES = {"flights": "jobs.pipelines.flights", "adventureworks": "jobs.pipelines.adventureworks",
            "olist": "jobs.pipelines.olist"}


def names() -> list[str]:
    return sorted(_MODULES)


def all_pipelines() -> list[Pipeline]:
    return [get(n) for n in names()]


def get(name: str) -> Pipeline:
    if name not in _MODULES:
        raise KeyError(f"unknown pipeline {name!r}; choose from {', '.join(names())}")
    return import_module(_MODULES[name]).PIPELINE
