"""manifest.json: what a backup holds, and the checksums a restore verifies first.

{"format": 1, "created_at": "...", "database": {"name", "server_version",
 "pg_dump_version"}, "migrations": {app: [names]}, "row_counts": {label: n},
 "media": {"storage", "archived", "files": [{"path", "size", "sha256"}]},
 "files": {"database.dump": {"size", "sha256"}, "media.tar": {...}}}
"""

import json
from pathlib import Path

from backups import checksums

FORMAT = 1
NAME = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar"


class DamagedBackup(Exception):
    pass


def write(folder: Path, manifest: dict) -> None:
    manifest = {"format": FORMAT, **manifest}
    manifest["files"] = {
        name: checksums.describe(folder / name)
        for name in (DUMP, MEDIA)
        if (folder / name).exists()
    }
    (folder / NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_verified(folder: Path) -> dict:
    """The manifest of the backup in `folder`, once every file it lists matches it."""
    path = folder / NAME
    if not path.is_file():
        raise DamagedBackup(f"{path} is missing: not a backup folder.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise DamagedBackup(f"{path} is not valid JSON ({error}).") from error
    if manifest.get("format") != FORMAT:
        raise DamagedBackup(f"{path} has format {manifest.get('format')!r}, not {FORMAT}.")
    if DUMP not in manifest.get("files", {}):
        raise DamagedBackup(f"{path} lists no {DUMP}.")
    if manifest["media"]["archived"] and MEDIA not in manifest["files"]:
        raise DamagedBackup(f"{path} lists no {MEDIA}.")
    for name, expected in manifest["files"].items():
        if not (folder / name).is_file():
            raise DamagedBackup(f"{folder / name} is missing.")
        actual = checksums.describe(folder / name)
        if actual != expected:
            raise DamagedBackup(
                f"{folder / name} does not match the manifest "
                f"({actual['size']} bytes, sha256 {actual['sha256'][:12]}…; expected "
                f"{expected['size']} bytes, sha256 {expected['sha256'][:12]}…): "
                "the backup is damaged."
            )
    return manifest
