"""Reading the unsubscribe mailbox: a local Maildir or an IMAP folder.

SUBSCRIBERS_UNSUBSCRIBE_MAILBOX names it: `maildir:/var/mail/unsubscribe`,
`imaps://user:password@imap.example.com/INBOX` (TLS, port 993 by default, the server's
certificate checked against the system's CAs, or SSL_CERT_FILE's) or `imap://…` (plain,
port 143; loopback only, say). Each message not yet seen is handed to
`unsubscribe_mail.handle_bytes` and then marked seen (Maildir: moved to cur/ with the S
flag; IMAP: \\Seen), so a run reads each once; a message whose handling failed on our side
(the database away) stays unseen and is read again next run. Messages larger than
SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES are marked seen without being read.
"""

import imaplib
import logging
import os
import re
import ssl
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from subscribers.unsubscribe_mail import Result, handle_bytes

logger = logging.getLogger(__name__)


class MailboxError(Exception):
    """The mailbox cannot be opened or read: the message says why."""


def read(url: str | None = None) -> Counter:
    """Process every unseen message of the mailbox `url` (by default the setting)."""
    url = url or settings.SUBSCRIBERS_UNSUBSCRIBE_MAILBOX
    if not url:
        raise MailboxError("No mailbox: set SUBSCRIBERS_UNSUBSCRIBE_MAILBOX.")
    if url.startswith("maildir:"):
        return read_maildir(Path(url.removeprefix("maildir:").removeprefix("//")))
    parts = urlsplit(url)
    if parts.scheme in ("imap", "imaps"):
        return read_imap(parts)
    raise MailboxError(f"Not a mailbox address: {url.split(':', 1)[0]}:… (maildir:, imap:, imaps:)")


def _seen(info: str) -> bool:
    return info.startswith("2,") and ("S" in info[2:] or "T" in info[2:])


def read_maildir(root: Path) -> Counter:
    """Maildir (as `mailbox.Maildir` and every MDA write it): new/ and cur/, with the
    flags after `:2,` in each file name."""
    if not (root / "new").is_dir() or not (root / "cur").is_dir():
        raise MailboxError(f"{root} is not a Maildir (it needs new/ and cur/).")
    results = Counter()
    limit = settings.SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES
    for folder in ("new", "cur"):
        for entry in sorted(os.scandir(root / folder), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            base, _, info = entry.name.partition(":")
            if _seen(info):
                continue
            source = f"maildir {entry.name}"
            size = entry.stat().st_size
            if size > limit:
                logger.warning("Unsubscribe mail %s skipped: %s bytes", source, size)
                result = Result.TOO_LARGE
            else:
                with open(entry.path, "rb") as handle:
                    result = handle_bytes(handle.read(limit + 1), source=source)
            flags = info[2:] if info.startswith("2,") else ""
            os.rename(entry.path, root / "cur" / f"{base}:2,{''.join(sorted({*flags, 'S'}))}")
            results[result] += 1
    return results


_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def read_imap(parts) -> Counter:
    secure = parts.scheme == "imaps"
    host = parts.hostname or "localhost"
    port = parts.port or (993 if secure else 143)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    results = Counter()
    limit = settings.SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES
    timeout = settings.SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_TIMEOUT
    try:
        if secure:
            # imaplib's own default context checks no certificate: anyone on the path
            # could read the password. This one checks the chain and the host name.
            context = ssl.create_default_context()
            imap = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
        else:
            imap = imaplib.IMAP4(host, port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"Cannot reach the IMAP server {host}:{port}: {error}") from error
    with imap:
        try:
            imap.login(unquote(parts.username or ""), unquote(parts.password or ""))
            status, _ = imap.select(_quoted(folder))
            if status != "OK":
                raise MailboxError(f"The IMAP folder {folder!r} cannot be opened.")
            status, found = imap.uid("SEARCH", None, "UNSEEN")
        except imaplib.IMAP4.error as error:
            raise MailboxError(f"IMAP {host}: {error}") from error
        for uid in (found[0] or b"").split() if status == "OK" else []:
            source = f"imap {folder} uid {uid.decode()}"
            status, data = imap.uid(
                "FETCH", uid, "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"
            )
            fetched = [part for part in data if isinstance(part, tuple)]
            if status != "OK" or not fetched:
                logger.warning("Unsubscribe mail %s could not be fetched", source)
                continue
            size = _SIZE.search(fetched[0][0])
            if size and int(size.group(1)) > limit:
                logger.warning("Unsubscribe mail %s skipped: %s bytes", source, size.group(1))
                result = Result.TOO_LARGE
            else:
                result = handle_bytes(fetched[0][1], source=source)
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            results[result] += 1
    return results


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
