"""Real file storages that fail the way disks do, for tests configured through STORAGES."""

import errno

from django.core.files.storage import FileSystemStorage


class FullDiskStorage(FileSystemStorage):
    """The file system, full: writing a name under `FULL_UNDER` fails with ENOSPC, as
    write() does on a full disk. Reading and deleting still work."""

    FULL_UNDER = ("renditions/",)

    def _save(self, name, content):
        if name.startswith(self.FULL_UNDER):
            raise OSError(errno.ENOSPC, "No space left on device", self.path(name))
        return super()._save(name, content)


class FullFromTheStartStorage(FullDiskStorage):
    """Full before the first byte: even the original cannot be written."""

    FULL_UNDER = ("",)


class ReadOnlyStorage(FileSystemStorage):
    """The file system mounted read-only: any write or deletion fails with EROFS."""

    def _save(self, name, content):
        raise OSError(errno.EROFS, "Read-only file system", self.path(name))

    def delete(self, name):
        raise OSError(errno.EROFS, "Read-only file system", self.path(name))
