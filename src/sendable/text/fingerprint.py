"""Near-duplicate fingerprints for spam.duplicate.

MinHash (datasketch) over character 4-grams of the normalised text with
punctuation stripped. Character shingles suit chat: messages are short (a
10-word message has only 9 word bigrams, so one changed word moves the score
a lot) and spammers vary templates with small edits that character shingles
absorb. Measured on short DMs: case/punctuation-only changes → 1.0, one word
changed in ~10 → 0.7-0.8, unrelated messages → < 0.15.

128 permutations: the standard error of the estimate is about
sqrt(J(1-J)/128) ≈ 0.035 near the default 0.8 threshold (64 would give 0.05)
and a fingerprint is still only 512 bytes.
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np
from datasketch import MinHash

from sendable.text.normalise import normalise, strip_punctuation

NUM_PERM = 128
SHINGLE = 4
# Fixed seed and scheme: fingerprints are stored and compared across
# processes and releases. Changing either means re-fingerprinting stored rows,
# so the first byte records a format version.
_SEED = 20260601
_SCHEME = "affine32"
_VERSION = 1
_DTYPE = np.dtype("<u4")  # little-endian on disk whatever the machine


@cache
def _permutations() -> np.ndarray:
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations


def canonical_text(text: str) -> str:
    """The text duplicates are judged on: normalised, punctuation removed."""
    return " ".join(strip_punctuation(normalise(text)).split())


def shingles(text: str) -> list[bytes]:
    """Character 4-grams of the canonical text (the whole text if shorter)."""
    t = canonical_text(text)
    if len(t) <= SHINGLE:
        return [t.encode("utf-8")] if t else []
    return [t[i : i + SHINGLE].encode("utf-8") for i in range(len(t) - SHINGLE + 1)]


def fingerprint(text: str) -> bytes:
    """A compact (1 + 4·128 bytes), deterministic near-duplicate fingerprint."""
    # crc32 instead of datasketch's default sha1: same estimate quality after
    # datasketch's own mixing step (checked against exact Jaccard), 3x faster.
    m = MinHash(
        num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME,
        permutations=_permutations(), hashfunc=zlib.crc32,
    )
    m.update_batch(set(shingles(text)))
    return bytes([_VERSION]) + m.hashvalues.astype(_DTYPE, copy=False).tobytes()


def _values(fp: bytes) -> np.ndarray:
    if len(fp) != 1 + NUM_PERM * _DTYPE.itemsize or fp[0] != _VERSION:
        raise ValueError("not a sendable fingerprint (wrong length or version)")
    return np.frombuffer(fp, dtype=_DTYPE, offset=1)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0..1."""
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM
