"""One artefact set for every runtime, built into ``build/`` (gitignored, never committed):

- ``constellation.zip``: the packages (``--py-files`` on EMR, ``--extra-py-files`` on Glue);
- ``main.py``: the entry script (Glue ``ScriptLocation``, the EMR step's application);
- ``glue-requirements.txt``: runtime requirements minus what Glue provides (pyspark, boto3),
  passed as ``--additional-python-modules``;
- ``emr-requirements.txt`` + ``emr_bootstrap.sh``: the EMR bootstrap action that installs
  Python 3.11 and these requirements on every node (the job needs Python >= 3.11; EMR 7's
  system Python is older, and a packed virtualenv still needs a 3.11 interpreter on the nodes);
- ``artefacts.json``: file names, sizes, sha256 and the version (a hash of all of them) that
  names the S3 prefix they are uploaded to, so a stack update always points at new code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from deploy.package import REPO, build_zip

BUILD = REPO / "build"
PROVIDED_BY_GLUE = frozenset({"pyspark", "boto3", "botocore"})
PROVIDED_BY_EMR = frozenset({"pyspark"})
CODE_ZIP, ENTRY_SCRIPT = "constellation.zip", "main.py"
GLUE_REQUIREMENTS, EMR_REQUIREMENTS, EMR_BOOTSTRAP = ("glue-requirements.txt", "emr-requirements.txt",
                                                      "emr_bootstrap.sh")


@dataclass(frozen=True)
class Artefact:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ArtefactSet:
    folder: Path
    version: str
    files: tuple[Artefact, ...]

    def path(self, name: str) -> Path:
        return self.folder / name

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "files": [asdict(f) for f in self.files]}, indent=2)


def requirement_name(line: str) -> str:
    """``redshift-connector==2.1.8`` -> ``redshift-connector`` (normalised, lower case)."""
    for sep in ("==", ">=", "<=", "~=", "!=", ">", "<", "[", ";", " "):
        line = line.split(sep, 1)[0]
    return line.strip().lower().replace("_", "-")


def runtime_requirements(exclude: frozenset[str], source: Path = REPO / "requirements.txt") -> list[str]:
    """The pinned runtime requirements, without comments and without what the runtime provides."""
    out = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-") and requirement_name(line) not in exclude:
            out.append(line)
    return out


def glue_python_modules() -> str:
    """The value of Glue's ``--additional-python-modules``: comma-separated pinned requirements."""
    return ",".join(runtime_requirements(PROVIDED_BY_GLUE))


def _describe(path: Path) -> Artefact:
    data = path.read_bytes()
    return Artefact(path.name, len(data), hashlib.sha256(data).hexdigest())


def build_artefacts(out: Path = BUILD) -> ArtefactSet:
    """Build every artefact into ``out`` and describe them (reproducible: same code, same bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    build_zip(out / CODE_ZIP)
    shutil.copyfile(REPO / "jobs" / "main.py", out / ENTRY_SCRIPT)
    (out / GLUE_REQUIREMENTS).write_text("\n".join(runtime_requirements(PROVIDED_BY_GLUE)) + "\n")
    (out / EMR_REQUIREMENTS).write_text("\n".join(runtime_requirements(PROVIDED_BY_EMR)) + "\n")
    shutil.copyfile(Path(__file__).with_name(EMR_BOOTSTRAP), out / EMR_BOOTSTRAP)
    names = (CODE_ZIP, ENTRY_SCRIPT, GLUE_REQUIREMENTS, EMR_REQUIREMENTS, EMR_BOOTSTRAP)
    files = tuple(_describe(out / n) for n in names)
    version = hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()[:16]
    artefacts = ArtefactSet(out, version, files)
    (out / "artefacts.json").write_text(artefacts.to_json())
    return artefacts
