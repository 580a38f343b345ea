"""Email addresses as the subscriber list keeps them: one spelling per mailbox.

Addresses are compared without regard to case (`Reader@Example.com` and
`reader@example.com` are one subscriber), so they are stored lowercased and stripped.
Strictly the local part may be case-sensitive; no mail system people use treats it so,
and two rows for one inbox would mean two copies of every issue.

`address_hash` is what is kept of an address once its person is erased (a suppression
that must still match): an HMAC, so the stored value cannot be reversed by hashing a
list of known addresses without the key.
"""

import hashlib
import hmac

from django.conf import settings


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def address_hash(email: str) -> str:
    """A stable keyed hash of the normalised address (hex, 64 characters).

    The key is SUBSCRIBERS_HASH_KEY (by default the SECRET_KEY): changing it makes every
    hashed suppression stop matching, so it must outlive key rotations.
    """
    key = (settings.SUBSCRIBERS_HASH_KEY or settings.SECRET_KEY).encode()
    message = b"subscribers.address:" + normalise_email(email).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
