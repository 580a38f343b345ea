"""The uploads side of a backup: a tar of the local media folder, and its file list."""

import shutil
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages

from backups import checksums


def local_root() -> Path | None:
    """MEDIA_ROOT when uploads are on the local disk; None for object storage (a bucket
    is backed up by its own means: versioning, replication)."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def files(root: Path) -> list[dict]:
    """Every file under `root`, sorted: its path relative to `root`, size and SHA-256."""
    if not root.exists():
        return []
    return [
        {"path": path.relative_to(root).as_posix(), **checksums.describe(path)}
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def archive(root: Path, listed: list[dict], target: Path) -> None:
    """Write the files of `listed` into the tar `target` (no compression: pictures are
    compressed already)."""
    with tarfile.open(target, "w") as tar:
        for entry in listed:
            tar.add(root / entry["path"], arcname=entry["path"], recursive=False)


def is_empty(root: Path) -> bool:
    return not root.exists() or not any(root.iterdir())


def empty(root: Path) -> None:
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def extract(source: Path, root: Path) -> None:
    """Unpack `source` into `root`; the `data` filter refuses absolute paths, `..`, links
    out of `root` and device files."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source) as tar:
        tar.extractall(root, filter="data")


def mismatches(root: Path, listed: list[dict]) -> list[str]:
    """Files of `listed` missing from `root` or different from their checksum there."""
    wrong = []
    for entry in listed:
        path = root / entry["path"]
        if not path.is_file():
            wrong.append(f"{entry['path']} (missing)")
        elif checksums.describe(path) != {"size": entry["size"], "sha256": entry["sha256"]}:
            wrong.append(f"{entry['path']} (different)")
    return wrong


def storage_name() -> str:
    return settings.STORAGES["default"]["BACKEND"]
