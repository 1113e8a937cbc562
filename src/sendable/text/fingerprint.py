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
from collections.abc import Sequence
from functools import cache

import numpy as np
from datasketch import MinHash

from sendable.text.normalise import TextForms, normalise, strip_punctuation

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


@cache
def _crc_tables() -> np.ndarray:
    """crc32 of a 4-byte string is affine in its bytes over GF(2): the xor of one
    table entry per byte position, and the crc of four zero bytes, gives it."""
    zero = zlib.crc32(bytes(SHINGLE))
    tables = np.zeros((SHINGLE, 256), dtype=np.uint32)
    for pos in range(SHINGLE):
        for byte in range(256):
            buf = bytearray(SHINGLE)
            buf[pos] = byte
            tables[pos, byte] = zlib.crc32(bytes(buf)) ^ zero
    tables[0] ^= np.uint32(zero)
    return tables


def canonical_text(text: str) -> str:
    """The text duplicates are judged on: normalised, punctuation removed."""
    return " ".join(strip_punctuation(normalise(text)).split())


def shingles(text: str) -> list[bytes]:
    """Character 4-grams of the canonical text (the whole text if shorter)."""
    return _shingles_of(canonical_text(text))


def _shingles_of(t: str) -> list[bytes]:
    if len(t) <= SHINGLE:
        return [t.encode("utf-8")] if t else []
    return [t[i : i + SHINGLE].encode("utf-8") for i in range(len(t) - SHINGLE + 1)]


def _shingle_hashes(t: str) -> np.ndarray:
    """zlib.crc32 of every shingle of the canonical text ``t`` (repeats kept:
    they cannot change a minimum)."""
    if len(t) > SHINGLE and t.isascii():  # one byte per character: vectorised crc
        b = np.frombuffer(t.encode("ascii"), dtype=np.uint8).astype(np.intp)
        n = len(b) - SHINGLE + 1
        t0, t1, t2, t3 = _crc_tables()
        return t0.take(b[:n]) ^ t1.take(b[1 : n + 1]) ^ t2.take(b[2 : n + 2]) ^ t3.take(b[3:])
    return np.array([zlib.crc32(s) for s in _shingles_of(t)], dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme applies it."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


# Hashes whose permutations are minimised in one numpy pass: 2,048 x 128 x 4 bytes
# (1 MB) stays inside the L2 cache; a batch of 100-character texts makes 20 a pass.
_PASS_ROWS = 2048
_EMPTY = bytes([_VERSION]) + np.full(NUM_PERM, 0xFFFFFFFF, dtype=_DTYPE).tobytes()


def fingerprints_canonical(texts: Sequence[str]) -> list[bytes]:
    """fingerprint() of texts whose canonical_text() are ``texts``, those of like
    length minimised together, for a fraction of the per-call numpy overhead."""
    hashes = [_shingle_hashes(t) for t in texts]
    out = [_EMPTY] * len(texts)
    todo = sorted((i for i, h in enumerate(hashes) if len(h)), key=lambda i: len(hashes[i]))
    while todo:
        take = 1  # sorted by length: the group is as wide as its last text
        while take < len(todo) and (take + 1) * len(hashes[todo[take]]) <= _PASS_ROWS:
            take += 1
        group, todo = todo[:take], todo[take:]
        for i, values in zip(group, _minhash([hashes[i] for i in group]), strict=True):
            out[i] = bytes([_VERSION]) + values.tobytes()
    return out


def _minhash(hashes: list[np.ndarray]) -> np.ndarray:
    """One row of 128 minimums per hash array (datasketch's affine32 update_batch,
    without its per-call overhead): min over h of a * fmix32(h) + b (mod 2^32)."""
    if len(hashes) == 1:
        rows = hashes[0][np.newaxis, :]
    else:  # one row per text, the shorter padded with their own first hash
        rows = np.empty((len(hashes), max(map(len, hashes))), dtype=np.uint32)
        for row, h in zip(rows, hashes, strict=True):
            row[: len(h)] = h
            row[len(h) :] = h[0]  # a repeat cannot change a minimum
    a, b = _permutations()
    phv = np.multiply.outer(_fmix32(rows), a)
    phv += b
    return phv.min(axis=1).astype(_DTYPE, copy=False)


def fingerprint(text: str | TextForms) -> bytes:
    """A compact (1 + 4·128 bytes), deterministic near-duplicate fingerprint.

    MinHash with datasketch's affine32 permutations over crc32 shingle hashes
    (crc32 instead of datasketch's default sha1: same estimate quality after
    the mixing step, checked against exact Jaccard). Computed here in a few
    numpy operations; tests/text/test_fingerprint.py checks every byte against
    datasketch's own MinHash.update_batch.
    """
    return fingerprints([text])[0]


def fingerprints(texts: Sequence[str | TextForms]) -> list[bytes]:
    """fingerprint() of each text, computed together (see fingerprints_canonical)."""
    return fingerprints_canonical([" ".join(t.canonical_words) if isinstance(t, TextForms)
                                   else canonical_text(t) for t in texts])


def reference_fingerprint(text: str) -> bytes:
    """fingerprint() computed by datasketch itself, for checking the fast path."""
    m = MinHash(
        num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME,
        permutations=_permutations(), hashfunc=zlib.crc32,
    )
    m.update_batch(set(shingles(text)))
    return bytes([_VERSION]) + m.hashvalues.astype(_DTYPE, copy=False).tobytes()


_SIZE = 1 + NUM_PERM * _DTYPE.itemsize


def _values(fp: bytes) -> np.ndarray:
    if len(fp) != _SIZE or fp[0] != _VERSION:
        raise ValueError("not a sendable fingerprint (wrong length or version)")
    return np.frombuffer(fp, dtype=_DTYPE, offset=1)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0..1."""
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def similarities(a: bytes, others: Sequence[bytes]) -> list[float]:
    """similarity(a, o) for every o in ``others``, in one numpy comparison."""
    if not others:
        return []
    mine = _values(a)
    payloads = []
    for o in others:
        if len(o) != _SIZE or o[0] != _VERSION:
            _values(o)  # raises
        payloads.append(o[1:])
    values = np.frombuffer(b"".join(payloads), dtype=_DTYPE).reshape(len(payloads), NUM_PERM)
    return [n / NUM_PERM for n in (values == mine).sum(axis=1).tolist()]
