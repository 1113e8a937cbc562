"""Find links in message text and name the domain each one belongs to.

Pure and offline: urlextract uses the TLD list bundled in its package (we
never call its ``update``), tldextract uses its bundled public-suffix snapshot
(no fetch, no disk cache).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import idna
import tldextract
from urlextract import URLExtract

from sendable.text._fold import fold_table

# RFC 2606 / 6761 reserved TLDs. Not in IANA's list, but they are what docs,
# tests and scenarios use, and a real client would still render them as links.
_RESERVED_TLDS = ("example", "test", "invalid")

# With an explicit scheme the sender clearly meant a link, whatever the TLD.
_SCHEME_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"'`|]+")

_BANGS = re.compile(r"!+(?=\s|$)")
# Every TLD urlextract knows (IPv4 octets included) starts with a letter or digit
# after the dot: text without such a dot and without a scheme holds no link.
_DOT_THEN_WORD = re.compile(r"\.[^\W_]")

# Sentence punctuation that follows a link in chat but is not part of it.
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}

# Two-letter TLDs that are also English words: "ok.so", "go.to", "it.is" are
# chat with a missing space far more often than links. A bare two-label host on
# one of these (no scheme, www or path) is not counted as a link.
_WORD_TLDS = frozenset(
    "am an as at be by do go he if in is it me my no of on or so to up us we".split()
)


@dataclass(frozen=True)
class Link:
    url: str  # as written in the text, trailing punctuation removed
    host: str  # lower-case, IDNA (punycode) form, no trailing dot
    registered_domain: str  # public suffix + one label, e.g. b.co.uk
    shortener: bool  # host is a known URL shortener (or a subdomain of one)


class _Extractor(URLExtract):
    """URLExtract that also knows the reserved TLDs."""

    def _load_cached_tlds(self) -> set[str]:  # urlextract hook
        return super()._load_cached_tlds() | {"." + t for t in _RESERVED_TLDS}


@cache
def _url_extractor() -> URLExtract:
    ext = _Extractor(extract_email=False, cache_dns=False, extract_localhost=False)
    # "see win.com!" is common in chat; let "!" and ";" end a host too.
    ext.set_after_tld_chars(set(ext.get_after_tld_chars()) | {"!", ";"})
    return ext


@cache
def _suffixes() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True,
        extra_suffixes=_RESERVED_TLDS,
    )


@cache
def shortener_domains() -> frozenset[str]:
    """The bundled list of URL-shortener domains."""
    text = resources.files("sendable.text").joinpath("data/shorteners.txt").read_text("utf-8")
    return frozenset(
        canonical_host(line) for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def canonical_host(host: str) -> str:
    """Lower-case, no trailing dot, IDNA A-label form ("prízes.example" → "xn--...")."""
    h = host.strip().rstrip(".").lower()
    if h.isascii():
        return h
    try:
        return idna.encode(h, uts46=True).decode("ascii")
    except idna.IDNAError:
        return h


def registered_domain(host: str) -> str:
    """Public suffix plus one label (``a.b.co.uk`` → ``b.co.uk``).

    Unknown TLDs fall back to the last two labels; IP addresses give themselves.
    """
    parts = _suffixes()(host)
    found = parts.top_domain_under_public_suffix
    if found:
        return found
    if parts.ipv4 or parts.ipv6 or "." not in host:
        return host
    return ".".join(host.split(".")[-2:])


def _is_subdomain_or_same(host: str, domain: str) -> bool:
    # Label boundaries only: notprizes.example is not prizes.example.
    return host == domain or host.endswith("." + domain)


def _self_and_parents(host: str) -> Iterable[str]:
    """a.b.c → a.b.c, b.c, c: set look-ups instead of scanning a list."""
    yield host
    i = host.find(".")
    while i != -1:
        yield host[i + 1 :]
        i = host.find(".", i + 1)


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets at the end."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def _host_of(url: str) -> str | None:
    full = url if "://" in url else "http://" + url
    try:
        host = urlsplit(full).hostname
    except ValueError:
        return None
    return canonical_host(host) if host else None


def _is_chat_not_link(url: str, host: str) -> bool:
    labels = host.split(".")
    return (
        url.lower() == host and len(labels) == 2 and labels[1] in _WORD_TLDS
    )


def _only_scheme_links(text: str, spans: list[tuple[int, int, str]]) -> bool:
    """True when urlextract could add nothing to the scheme links (it is slow).

    Each scheme link stands alone between spaces, so urlextract could only find
    the same link or a part of it, which the scheme link wins over; and no other
    dot is followed by a letter or digit, so there is no other host to find.
    """
    rest, last = [], 0
    for start, end, _ in spans:
        if (start and not text[start - 1].isspace()) or (end < len(text) and not text[end].isspace()):
            return False
        rest.append(text[last:start])
        last = end
    rest.append(text[last:])
    return not any("." in part and _DOT_THEN_WORD.search(part) for part in rest)


def _candidates(text: str, shortcut: bool = True) -> list[tuple[int, str]]:
    """(start, url) pairs from both finders, overlaps resolved in favour of the first."""
    found: list[tuple[int, int, str]] = []
    for m in _SCHEME_URL.finditer(text):
        found.append((m.start(), m.end(), m.group()))
    if shortcut and found and _only_scheme_links(text, found):
        return [(start, url) for start, _, url in found]
    # urlextract rejects "win.com!!"; blank out exclamation runs that end a word
    # (same length, so the indices still point into the original text).
    quiet = _BANGS.sub(lambda m: " " * len(m.group()), text)
    for _url, (start, end) in _url_extractor().find_urls(quiet, get_indices=True):
        # urlextract stops at non-ASCII letters; take the whole IDN host
        # ("prízes.example") so look-alike hosts are not cut into other names.
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
            start -= 1
        found.append((start, end, text[start:end]))
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[tuple[int, str]] = []
    last_end = -1
    for start, end, url in found:
        if start >= last_end:
            out.append((start, url))
            last_end = end
    return out


def extract_links(text: str) -> list[Link]:
    """Every link in ``text``, in order, with or without a scheme."""
    if "://" not in text and ("." not in text or not _DOT_THEN_WORD.search(text)):
        return []  # fast path: no host, no scheme
    links: list[Link] = []
    shorteners = shortener_domains()
    for _, raw in _candidates(text):
        url = _trim(raw)
        host = _host_of(url)
        if not host or _is_chat_not_link(url, host):
            continue
        reg = registered_domain(host)
        short = any(parent in shorteners for parent in _self_and_parents(host))
        links.append(Link(url=url, host=host, registered_domain=reg, shortener=short))
    return links


def skeleton_host(host: str) -> str:
    """``host`` with look-alike letters folded to Latin ("prіzes.example" with a
    Cyrillic і → "prizes.example"); ASCII hosts are returned unchanged."""
    if "xn--" not in host and host.isascii():
        return host
    try:
        uni = idna.decode(host)
    except idna.IDNAError:
        return host
    folded = unicodedata.normalize("NFKC", uni).casefold().translate(fold_table())
    return folded.rstrip(".")


def blocked_domain(link: Link, blocked_domains: Iterable[str]) -> str | None:
    """The entry of ``blocked_domains`` that ``link``'s host is, or is under; else None.

    A host spelled with look-alike letters counts as the domain it imitates:
    nobody links to a Cyrillic copy of a blocked domain by accident.
    """
    hosts = {link.host, skeleton_host(link.host)}
    for entry in blocked_domains:
        domain = canonical_host(entry)
        if domain and any(_is_subdomain_or_same(h, domain) for h in hosts):
            return entry
    return None
