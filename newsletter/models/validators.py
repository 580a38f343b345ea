"""Plain text that must stay on one line: titles, names, alt text, captions, credits.

These strings end up in places where a line break means something else: email subjects
and other headers, feed titles, the one-line lists of the admin. A line break, or any
other control character, is refused with a message instead of being stored.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Line and paragraph separators are not control characters but break lines all the same.
_BREAKS = {"\u2028", "\u2029"}


def line_breaking(value: str) -> list[str]:
    """The characters of `value` that break a line or control a terminal, in order."""
    return [c for c in value or "" if c in _BREAKS or unicodedata.category(c) == "Cc"]


@deconstructible
class SingleLine:
    """Refuse line breaks, tabs and other control characters in a one-line field."""

    message = "Write this on one line: it contains a line break or a control character ({})."
    code = "single_line"

    def __call__(self, value):
        found = line_breaking(value)
        if found:
            shown = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
            raise ValidationError(self.message.format(shown), code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLine)


single_line = SingleLine()
