"""The content core: the typed snapshot and how it is made.

- `snapshot`: the typed snapshot every view of an issue renders (`Snapshot`), read back
  from a revision with a schema check.
- `build`: `build_snapshot(issue)`, the working copy as a snapshot, markdown rendered.
- `markdown`: `render(text)`, markdown to sanitised HTML: the one function for all of it.
- `text`: sanitised HTML as plain words (search, reading time, descriptions, diffs).
- `images`: the image pipeline: validate, re-encode, renditions.
- `freeze`: `freeze(issue)`, a new immutable revision, indexed for search.
- `search_index`: the search rows written for a revision.
- `arxiv`: `normalise_arxiv_id(text)`, an `arXiv:` reference or arxiv.org link as the bare
  id the Paper model stores (its field cleans every form's input with it).

This package imports nothing at its top, so that the models can use the snapshot types.
"""
