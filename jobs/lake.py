"""The one small filesystem helper: local folders through pathlib, ``s3://`` through boto3.

Spark reads and writes data files through its own paths; this module handles the rest (landing
raw files, manifests, watermarks). Writes of small documents are atomic: a local temp file is
renamed into place; an S3 PUT is atomic by nature.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

CHUNK = 8 * 1024 * 1024


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def join(base: str, *parts: str) -> str:
    """Join path parts under a local folder or an S3 prefix."""
    base = base.rstrip("/")
    tail = "/".join(p.strip("/") for p in parts if p)
    return f"{base}/{tail}" if tail else base


def spark_path(uri: str) -> str:
    """The path Spark should use: absolute local paths; S3 URIs unchanged (EMR and Glue read
    ``s3://`` natively)."""
    return uri if is_s3(uri) else str(Path(uri).resolve())


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _s3():
    import boto3  # imported lazily: a laptop run never needs it

    return boto3.client("s3")


@dataclass(frozen=True)
class FileInfo:
    uri: str
    size: int


def exists(uri: str) -> bool:
    if is_s3(uri):
        bucket, key = _split(uri)
        from botocore.exceptions import ClientError

        try:
            _s3().head_object(Bucket=bucket, Key=key)
            return True
        except ClientError:
            return False
    return Path(uri).exists()


def read_bytes(uri: str, length: int | None = None) -> bytes:
    if is_s3(uri):
        bucket, key = _split(uri)
        kwargs = {"Range": f"bytes=0-{length - 1}"} if length else {}
        return _s3().get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()
    with open(uri, "rb") as fh:
        return fh.read(length) if length else fh.read()


def read_text(uri: str) -> str:
    return read_bytes(uri).decode("utf-8")


def write_text(uri: str, text: str) -> None:
    """Write a small document atomically: readers see the old version or the new one."""
    write_bytes(uri, text.encode("utf-8"))


def write_bytes(uri: str, data: bytes) -> None:
    """Write bytes atomically (like ``write_text``): readers see the old object or the new one."""
    if is_s3(uri):  # one PUT: atomic by nature, and cheaper than a managed upload for small data
        bucket, key = _split(uri)
        _s3().put_object(Bucket=bucket, Key=key, Body=data)
        return
    with open_atomic(uri) as fh:
        fh.write(data)


@contextmanager
def open_atomic(uri: str) -> Iterator[BinaryIO]:
    """A binary file to write in chunks that appears at ``uri`` only when the block ends without
    an error, so a body too large to hold in memory twice can be streamed straight to the lake and
    a failure half-way leaves nothing behind.

    Locally the chunks go to a hidden temp file in the target's folder (same filesystem, so the
    final ``os.replace`` is atomic; ``list_files`` skips dot files); for S3 they go to a local
    temp file that is uploaded once complete (an object is visible only after its upload
    finishes, multipart included)."""
    if is_s3(uri):
        bucket, key = _split(uri)
        with tempfile.TemporaryFile() as fh:
            yield fh
            fh.flush()
            fh.seek(0)
            _s3().upload_fileobj(fh, bucket, key)
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def delete(uri: str) -> None:
    if is_s3(uri):
        bucket, key = _split(uri)
        _s3().delete_object(Bucket=bucket, Key=key)
    elif Path(uri).exists():
        Path(uri).unlink()


def delete_tree(uri: str) -> None:
    """Remove a folder / prefix and everything under it (unpublished output of a failed run)."""
    if is_s3(uri):
        bucket, prefix = _split(uri)
        s3 = _s3()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    else:
        shutil.rmtree(uri, ignore_errors=True)


def list_files(uri: str, suffix: str = "") -> list[FileInfo]:
    """Files under a folder / prefix (recursive), sorted by name."""
    if is_s3(uri):
        bucket, prefix = _split(uri)
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        out = []
        for page in _s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                if o["Key"].endswith(suffix):
                    out.append(FileInfo(f"s3://{bucket}/{o['Key']}", o["Size"]))
        return sorted(out, key=lambda f: f.uri)
    root = Path(uri)
    if not root.exists():
        return []
    if root.is_file():
        return [FileInfo(str(root), root.stat().st_size)]
    return sorted(
        (FileInfo(str(p), p.stat().st_size) for p in root.rglob(f"*{suffix}")
         if p.is_file() and not p.name.startswith((".", "_"))),
        key=lambda f: f.uri,
    )


def sha256(uri: str) -> str:
    digest = hashlib.sha256()
    if is_s3(uri):
        bucket, key = _split(uri)
        for chunk in _s3().get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(CHUNK):
            digest.update(chunk)
    else:
        with open(uri, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def copy(src: str, dst: str) -> None:
    """Copy one file between any two of: local folder, S3."""
    if is_s3(src) and is_s3(dst):
        sb, sk = _split(src)
        db, dk = _split(dst)
        _s3().copy({"Bucket": sb, "Key": sk}, db, dk)
    elif is_s3(dst):
        db, dk = _split(dst)
        _s3().upload_file(src, db, dk)
    elif is_s3(src):
        sb, sk = _split(src)
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        _s3().download_file(sb, sk, dst)
    else:
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
