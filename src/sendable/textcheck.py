"""Text that cannot be stored or shows nothing, and text made safe to show.

Pure functions over `str`, shared by the server's input checks, every place that
shows a message (pages, the console, the command line) and the SDK, which
refuses such text before it sends:

- `invalid_unicode`: a lone surrogate (`"\\ud800"` is valid JSON but no UTF-8
  encoder, database or browser takes it);
- `shows_nothing`: only whitespace, controls and invisible characters (zero-width
  spaces and joiners, fillers, variation selectors, tags), so the reader sees a
  blank message;
- `for_display`: the text without bidirectional embedding, override and isolate
  controls, which can make a message (or a name) read in another order than it
  was written. Only the shown copy changes; the stored text stays as sent.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any, TextIO

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), plus blank-looking
# letters and symbols (Hangul fillers are in it; the Braille blank is not).
_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{_IGNORABLE}\\s]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI). The
# marks (LRM, RLM, ALM) stay: they change one character's direction, as a writer of a
# right-to-left language means them to.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_TABLE = _BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def invalid_unicode(text: str) -> bool:
    """True if `text` holds a lone surrogate (it cannot be encoded as UTF-8)."""
    return _SURROGATE.search(text) is not None


def shows_nothing(text: str) -> bool:
    """True if every character of `text` is whitespace, a control, a format character
    or otherwise invisible: a reader would see an empty message."""
    for char in _INVISIBLE.sub("", text):
        if unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return False
    return True


def for_display(text: object) -> object:
    """`text` with bidirectional embedding, override and isolate controls removed, so it
    reads in the order it was written; anything not a string is returned as it is."""
    if isinstance(text, str):
        return text.translate(_BIDI)
    return text


def problem(text: str, allow_empty: bool = False) -> str | None:
    """Why `text` cannot be sent as a message (None if it can): the words after the
    field's name, e.g. "text must not be empty"."""
    if invalid_unicode(text):
        return "must be valid Unicode (it holds a lone surrogate)"
    if not allow_empty and shows_nothing(text):
        return ("must not be empty" if not text.strip()
                else "must show something (it holds only invisible characters)")
    return None


class DisplayStream:
    """A text stream (`sys.stdout` or `sys.stderr`, looked up at each write, so a
    redirected one is followed) that writes what it is given through `for_display`:
    the command line shows messages, names and statements as they were written."""

    def __init__(self, name: str = "stdout") -> None:
        self._name = name

    @property
    def stream(self) -> TextIO:
        return getattr(sys, self._name)

    def write(self, text: str) -> int:
        self.stream.write(text.translate(_BIDI))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, ...
        return getattr(self.stream, name)
