"""Size and SHA-256 of a file, read in blocks."""

import hashlib
from pathlib import Path

BLOCK = 1024 * 1024


def describe(path: Path) -> dict:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while block := file.read(BLOCK):
            digest.update(block)
            size += len(block)
    return {"size": size, "sha256": digest.hexdigest()}
