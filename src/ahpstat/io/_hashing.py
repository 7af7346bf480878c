"""File digests for provenance records."""

from __future__ import annotations

import contextlib
import hashlib
import os

__all__ = [
    "sha256_file",
]


def sha256_file(path: str | os.PathLike, *, chunk_size: int = 1 << 20,
                sync: bool = False) -> str:
    """SHA-256 hex digest of a file's bytes (for provenance records and output manifests).

    ``sync``: also flush the file to disk (``fsync``, where the file system allows it) while
    it is open -- for a file just written whose digest goes into a manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            h.update(block)
        if sync:
            with contextlib.suppress(OSError):
                os.fsync(fh.fileno())
    return h.hexdigest()
