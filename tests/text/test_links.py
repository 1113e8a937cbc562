import subprocess
import sys

import pytest

from sendable.text.links import Link, blocked_domain, extract_links, registered_domain


def hosts(text: str) -> list[str]:
    return [link.host for link in extract_links(text)]


def test_link_with_scheme_on_reserved_tld() -> None:
    [link] = extract_links("https://win.free-prizes.example/now")
    assert link == Link(
        url="https://win.free-prizes.example/now",
        host="win.free-prizes.example",
        registered_domain="free-prizes.example",
        shortener=False,
    )


def test_links_without_scheme() -> None:
    links = extract_links("go to win.free-prizes.example/now or bit.ly/x today")
    assert [(lk.url, lk.registered_domain) for lk in links] == [
        ("win.free-prizes.example/now", "free-prizes.example"),
        ("bit.ly/x", "bit.ly"),
    ]


def test_scheme_url_is_found_even_with_unknown_tld() -> None:
    assert hosts("see http://foo.notatld/abc") == ["foo.notatld"]
    assert hosts("http://localhost:8000/x") == ["localhost"]


def test_trailing_punctuation_and_brackets_are_not_part_of_the_link() -> None:
    assert [lk.url for lk in extract_links("(see example.org/path).")] == ["example.org/path"]
    assert [lk.url for lk in extract_links("wow www.google.com!!")] == ["www.google.com"]
    wiki = "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert [lk.url for lk in extract_links(f"look at {wiki}, ok?")] == [wiki]


def test_registered_domain_uses_the_public_suffix_list() -> None:
    assert registered_domain("a.b.co.uk") == "b.co.uk"
    assert registered_domain("www.example.com") == "example.com"
    assert registered_domain("foo.notatld") == "foo.notatld"
    assert registered_domain("192.168.0.1") == "192.168.0.1"
    [link] = extract_links("visit a.b.co.uk. ok")
    assert link.registered_domain == "b.co.uk"


def test_not_links() -> None:
    for text in [
        "no dots here",
        "email me at a@b.com",
        "call 555.0100",
        "meet at 5.30",
        "ok.so what now",
        "hey...whats up",
        "i.e. e.g. whatever",
    ]:
        assert extract_links(text) == [], text


def test_several_links_are_counted_in_order() -> None:
    text = "a.com b.org/x https://c.net d.io, e.dev"
    assert hosts(text) == ["a.com", "b.org", "c.net", "d.io", "e.dev"]


def test_host_is_canonical() -> None:
    assert hosts("HTTPS://EXAMPLE.COM/X") == ["example.com"]
    # Non-ASCII hosts are kept whole and put in punycode form.
    assert hosts("pay at prízes.example/x") == ["xn--przes-0sa.example"]


def test_shortener_flag() -> None:
    flags = {lk.host: lk.shortener for lk in extract_links("bit.ly/a tinyurl.com/b t.co/c me.example/d")}
    assert flags == {"bit.ly": True, "tinyurl.com": True, "t.co": True, "me.example": False}


@pytest.mark.parametrize(
    ("url", "blocked", "expected"),
    [
        ("https://prizes.example/x", ["prizes.example"], "prizes.example"),
        ("https://x.prizes.example/x", ["prizes.example"], "prizes.example"),
        ("https://a.b.prizes.example", ["other.example", "prizes.example"], "prizes.example"),
        ("https://notprizes.example/x", ["prizes.example"], None),
        ("https://prizes.example.evil.example/x", ["prizes.example"], None),
        ("https://PRIZES.Example./x", ["Prizes.EXAMPLE."], "Prizes.EXAMPLE."),
        ("https://x.prizes.example", ["x.prizes.example"], "x.prizes.example"),
        ("https://prizes.example", ["x.prizes.example"], None),
        ("https://prizes.example", [], None),
        # Look-alike letters (Cyrillic і, Greek ο) imitate the blocked domain.
        ("https://prіzes.example/x", ["prizes.example"], "prizes.example"),
        ("https://win.prizeѕ.example", ["prizes.example"], "prizes.example"),
        ("https://nοtprizes.example", ["prizes.example"], None),
    ],
)
def test_blocked_domain_matches_on_label_boundaries(
    url: str, blocked: list[str], expected: str | None
) -> None:
    [link] = extract_links(url)
    assert blocked_domain(link, blocked) == expected


def test_works_without_network() -> None:
    # No fetch of TLD or public-suffix lists: with every connection failing at
    # once (bogus proxy, no DNS), extraction still answers quickly.
    code = (
        "import socket\n"
        "def no(*a, **k): raise OSError('network disabled')\n"
        "socket.socket.connect = no\n"
        "socket.getaddrinfo = no\n"
        "from sendable.text.links import extract_links\n"
        "print(extract_links('https://a.b.co.uk/x bit.ly/y')[0].registered_domain)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "b.co.uk"
