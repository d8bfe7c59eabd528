"""Land step for file sources: copy the vendor's files unchanged into the raw zone,
``<lake>/raw/<pipeline>/ingest_date=YYYY-MM-DD/run_id=<run_id>/<original name>``, with their
size and sha256, so that re-processing never needs the source again."""

from __future__ import annotations

import logging
from datetime import date

from jobs import lake
from jobs.manifest import InputFile, Landing, write_landing
from jobs.readers import find_files
from schemas.spec import RawCsv

log = logging.getLogger(__name__)


def land_files(*, input_uri: str, lake_uri: str, pipeline: str, run_id: str, ingest_date: date,
               sources: tuple[RawCsv, ...]) -> Landing:
    """Copy every source file into the raw zone (fails before copying anything if one is missing)."""
    found = {layout.name: find_files(input_uri, layout) for layout in sources}
    raw_dir = lake.join(lake_uri, "raw", pipeline, f"ingest_date={ingest_date.isoformat()}", f"run_id={run_id}")
    inputs = []
    for source, files in found.items():
        for info in files:
            name = info.uri.rsplit("/", 1)[-1]
            target = lake.join(raw_dir, name)
            log.info("[%s] landing %s (%d bytes)", run_id, info.uri, info.size)
            lake.copy(info.uri, target)
            inputs.append(InputFile(source=source, uri=target, original_uri=info.uri,
                                    size=info.size, sha256=lake.sha256(target)))
    landing = Landing(run_id=run_id, pipeline=pipeline, ingest_date=ingest_date.isoformat(), inputs=inputs,
                      lake=lake_uri)
    write_landing(lake_uri, landing)
    return landing
