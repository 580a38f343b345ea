"""Sanitised HTML as the words a reader reads: for search, reading time, descriptions, diffs."""

import html
import re

from django.utils.html import strip_tags

# A block's end separates words even where no whitespace follows it: <p>a</p><p>b</p>.
_BLOCK_END = re.compile(r"(</(?:p|li|h[1-6]|blockquote|pre|td|th|dd|dt|figcaption)>|<br\s*/?>)")


def plain_text(fragment_html: str) -> str:
    """The words of a sanitised HTML fragment, as plain text on one line."""
    text = html.unescape(strip_tags(_BLOCK_END.sub(r" \1", fragment_html or "")))
    return " ".join(text.split())


def word_count(*texts: str) -> int:
    """How many words these plain-text strings hold together."""
    return sum(len(text.split()) for text in texts if text)
