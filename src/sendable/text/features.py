"""Hashed word and character n-grams of a batch of texts, in a few numpy passes.

What the learned models see: each text is lower-cased (NFKC first when not
ASCII), every digit reads as 0, and it is cut into
- character 3-, 4- and 5-grams (of its UTF-8 bytes, spaces included, so word
  edges count), and
- words (runs of letters, digits and non-ASCII) and pairs of adjacent words,
each hashed into one of ``BUCKETS`` columns. The result is a sparse matrix of
counts, one row per text, which scikit-learn's TfidfTransformer and
LogisticRegression train on and text.models scores directly.

This is the idea of scikit-learn's HashingVectorizer, but its analysers build
each n-gram as a Python string (~160 µs a 100-character message for character
n-grams, more than the whole send path may spend), while here one batch's
n-grams are rolling hashes over one byte array. ``reference_keys`` spells the
same features out one by one, slowly; tests hold the two to the same answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

BITS = 20
BUCKETS = 1 << BITS
CHAR_NGRAMS = (3, 4, 5)
# Between texts: NULs (no normalised text holds one), as many as the longest n-gram
# needs, so an n-gram from a text's last bytes reads only NULs after them.
_SEP = b"\x00" * (max(CHAR_NGRAMS) - 1)
_SHIFT = np.uint64(64 - BITS)
_MAX_WORD = 64  # longer words hash on their first 64 bytes' positions (then wrap)

_rng = np.random.default_rng(20260601)
_BYTE = _rng.integers(1, 2**63, size=256, dtype=np.uint64) | np.uint64(1)
_POS = _rng.integers(1, 2**63, size=_MAX_WORD, dtype=np.uint64) | np.uint64(1)
_ROLL = np.uint64(0x100000001B3)
_PAIR = np.uint64(0x9E3779B97F4A7C15)
# Per kind of feature (n-gram size, 101 word, 102 pair) an odd multiplier: the column
# is the top BITS bits of hash x multiplier (Fibonacci hashing).
_KIND = {n: _rng.integers(1, 2**63, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
         for n in (*CHAR_NGRAMS, 101, 102)}

# Bytes that are part of a word: ASCII letters and digits, and every non-ASCII byte.
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in range(256):
    _WORD_BYTE[_c] = _c >= 128 or chr(_c).isalnum()
# Digits read as 0; control characters and NUL as a space.
_TRANSLATE = bytes((48 if 48 <= c <= 57 else 32 if c < 32 else c) for c in range(256))


def normalise(text: str) -> bytes:
    """The bytes the features are read from."""
    t = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()
    return b" " + t.encode("utf-8", "replace").translate(_TRANSLATE) + b" "


def _column(h: np.ndarray, kind: int) -> np.ndarray:
    return (h * _KIND[kind]) >> _SHIFT


def occurrences(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every feature occurrence in ``texts``, a row per text."""
    parts = [normalise(t) for t in texts]
    buf = np.frombuffer(_SEP.join(parts) + _SEP, dtype=np.uint8)
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    # Every byte of a text starts one n-gram of each size (the NULs after it pad the
    # last ones); no n-gram starts on a NUL.
    starts_row = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
    starts = buf != 0
    v = _BYTE[buf]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    h = v
    for size in range(2, max(CHAR_NGRAMS) + 1):
        h = h[:-1] * _ROLL + v[size - 1:]  # h[i]: the bytes i .. i+size-1
        if size in CHAR_NGRAMS:
            rows.append(starts_row)
            cols.append(_column(h[starts[:len(h)]], size))
    # Words: runs of word bytes; each hashed as the sum of byte value x position value.
    word = _WORD_BYTE[buf]
    edge = np.diff(word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    w_start, w_end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    if len(w_start):
        w_len = w_end - w_start
        idx = np.flatnonzero(word)
        pos = (idx - np.repeat(w_start, w_len)) % _MAX_WORD
        wh = np.add.reduceat(v[idx] * _POS[pos], np.cumsum(w_len) - w_len)
        # The text a word is in: how many text starts lie at or before it.
        text_starts = np.cumsum(lengths + len(_SEP)) - lengths - len(_SEP)
        w_row = np.searchsorted(text_starts, w_start, side="right") - 1
        rows.append(w_row)
        cols.append(_column(wh, 101))
        same = w_row[1:] == w_row[:-1]
        rows.append(w_row[1:][same])
        cols.append(_column(wh[:-1][same] * _PAIR + wh[1:][same], 102))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols).astype(np.int64)


def counts(texts: Sequence[str]) -> sp.csr_matrix:
    """A (len(texts), BUCKETS) matrix of feature counts."""
    r, c = occurrences(texts)
    return sp.csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)),
                         shape=(len(texts), BUCKETS))


def reference_keys(text: str) -> list[int]:
    """The columns of one text's features, one by one in plain Python (for tests)."""
    m64 = (1 << 64) - 1
    b = normalise(text) + _SEP
    byte = [int(x) for x in _BYTE]

    def column(h: int, kind: int) -> int:
        return ((h * int(_KIND[kind])) & m64) >> (64 - BITS)

    out: list[int] = []
    for size in CHAR_NGRAMS:
        for i in range(len(b) - len(_SEP)):
            h = byte[b[i]]
            for k in range(1, size):
                h = (h * int(_ROLL) + byte[b[i + k]]) & m64
            out.append(column(h, size))
    words: list[int] = []
    i = 0
    while i < len(b):
        if _WORD_BYTE[b[i]]:
            j, h = i, 0
            while j < len(b) and _WORD_BYTE[b[j]]:
                h = (h + byte[b[j]] * int(_POS[(j - i) % _MAX_WORD])) & m64
                j += 1
            words.append(h)
            i = j
        else:
            i += 1
    out += [column(w, 101) for w in words]
    out += [column((a * int(_PAIR) + c) & m64, 102) for a, c in zip(words, words[1:], strict=False)]
    return sorted(out)
