"""arXiv identifiers as people paste them, and the bare id the content model stores.

`normalise_arxiv_id(text)` is the one reading of an arXiv reference typed or pasted into a
field: the Paper model's `arxiv_id` field cleans every form's input with it, and an
importer can call it on a value it found. It accepts

- a bare id, new style (`2310.06825`, `2310.06825v2`) or old style (`hep-th/9901001`,
  `math.AG/0309136v1`), with spaces around it;
- the same with an `arXiv:` prefix (any case, spaces allowed after the colon);
- a link to its abstract, PDF or HTML page on arxiv.org (with or without `https://`,
  `www.` or `export.`, a `.pdf` ending, a trailing slash, a query or a fragment),

and returns the bare id. A version (`v2`) is kept when the text names one, because it
names one exact version of the paper; leave it off to mean the paper as it is now.
`keep_version=False` drops it (`split_version` separates the two). Anything else raises
ValueError with `MESSAGE`.
"""

import re

MESSAGE = "Enter an arXiv identifier such as 2310.06825 or 2310.06825v2."

# The id as the content model's validator (newsletter.models.content.ARXIV_ID) accepts it.
_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?"
_FORMS = (
    re.compile(_ID),
    re.compile(r"(?i:arxiv):\s*" + _ID),
    re.compile(
        r"(?:(?i:https?)://)?(?:(?i:www|export)\.)?(?i:arxiv\.org)/(?i:abs|pdf|html)/"
        + _ID
        + r"(?i:\.pdf)?/?(?:[?#]\S*)?"
    ),
)


def normalise_arxiv_id(text: str, *, keep_version: bool = True) -> str:
    """The bare arXiv id `text` names (see the module), or ValueError."""
    value = (text or "").strip()
    for form in _FORMS:
        if match := form.fullmatch(value):
            return match["id"] + (match["version"] or "" if keep_version else "")
    raise ValueError(MESSAGE)


def split_version(arxiv_id: str) -> tuple[str, str]:
    """A bare id and its version: `("2310.06825", "v2")`, or `("2310.06825", "")`."""
    match = re.fullmatch(_ID, arxiv_id)
    if match is None:
        raise ValueError(MESSAGE)
    return match["id"], match["version"] or ""
