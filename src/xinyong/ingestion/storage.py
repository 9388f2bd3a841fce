"""Submitted files kept content-addressed under ``XINYONG_DATA_DIR`` (``files/ab/cdef….ext``).

A file is written once, by its SHA-256; storing it again is a no-op. Nothing a unit sends is lost,
and any batch can be replayed from its stored file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from xinyong.config import get_settings

CHUNK = 1 << 20


def root() -> Path:
    return Path(get_settings().data_dir) / "files"


def path_for(content_hash: str, suffix: str) -> Path:
    return root() / content_hash[:2] / f"{content_hash}{suffix}"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def store(path: Path) -> tuple[str, Path]:
    """Copy ``path`` into the store (if not there yet); returns its hash and stored path."""
    content_hash = file_hash(path)
    target = path_for(content_hash, path.suffix.lower())
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)  # atomic: a crash never leaves a half-written stored file
    return content_hash, target


def store_bytes(data: bytes, suffix: str) -> tuple[str, Path]:
    content_hash = hashlib.sha256(data).hexdigest()
    target = path_for(content_hash, suffix)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return content_hash, target


def find(content_hash: str) -> Path | None:
    """The stored file with ``content_hash`` (any suffix), if present."""
    folder = root() / content_hash[:2]
    if not folder.is_dir():
        return None
    return next(iter(sorted(folder.glob(f"{content_hash}*"))), None)
