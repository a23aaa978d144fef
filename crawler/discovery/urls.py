"""URL canonicalisation: one article, one URL, whatever tracking tags or fragments a link carried."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

TRACKING_PREFIXES = ("utm_",)  # Google Analytics campaign tags
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid",
                             "yclid", "twclid"})
DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class BadUrlError(ValueError):
    """A URL the crawler cannot fetch."""


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters; keep the rest.

    Percent-escapes are kept as the site wrote them (WordPress lower-cases them), so the canonical URL of
    an article equals the one in its own ``<link rel="canonical">``. A link that cannot be parsed (an
    unclosed IPv6 bracket, a port out of range) comes back as written, stripped: it is on no site, so it is
    never followed, and one bad link does not cost the page its other links.
    """
    try:
        parts = urlsplit(safe_url_string(url.strip()))
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in TRACKING_PARAMS and not k.startswith(TRACKING_PREFIXES)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def validate_url(url: str) -> str:
    """Return the canonical form of a user-given URL or raise BadUrlError saying what is wrong."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed bracket
        raise BadUrlError(f"bad URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise BadUrlError(f"not an http(s) URL: {url!r}")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise BadUrlError(f"bad URL {url!r}: {exc}") from exc
    if not host or " " in url.strip():
        raise BadUrlError(f"bad URL {url!r}: no host name")
    return canonicalize(url)


def is_loopback(url: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: targets that may be crawled without politeness delays."""
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
