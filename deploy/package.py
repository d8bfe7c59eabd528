"""Build the code zip every runtime uses: ``--py-files`` for spark-submit and EMR, Glue's
``--extra-py-files``. It holds the packages jobs, transforms, schemas (with the view SQL) and
samples; the entry script is jobs/main.py. Never committed: ``build/`` is generated.

    python -m deploy.package [--out build/constellation.zip]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("jobs", "transforms", "schemas", "samples")
INCLUDE_SUFFIXES = (".py", ".sql")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same bytes for the same code: reproducible artefact


def build_zip(out: Path = REPO / "build" / "constellation.zip") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own, renamed into place: two launches at once in one checkout each
    # build a complete zip and the rename is atomic (same bytes for the same code either way).
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for package in PACKAGES:
            for path in sorted((REPO / package).rglob("*")):
                if path.suffix in INCLUDE_SUFFIXES and "__pycache__" not in path.parts:
                    info = zipfile.ZipInfo(str(path.relative_to(REPO)), FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, path.read_bytes())
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "constellation.zip")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    path = build_zip(args.out)
    if not args.quiet:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
