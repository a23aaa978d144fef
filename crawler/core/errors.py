"""What went wrong with a request, by name: the run report's ``errors/<kind>`` keys.

Our own components raise typed exceptions with a ``kind`` (robots.txt refusals too: the robots middleware
turns Scrapy's into one); Scrapy's other refusals say what happened in the message of an ``IgnoreRequest``
only, and those two messages are read here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

EXAMPLES = 5  # example URLs the report keeps for each kind of event


def count_event(stats: Any, key: str, url: str) -> None:
    """Count an event in a run's stats (``errors/<kind>``, ``articles/<outcome>``) with up to ``EXAMPLES``
    example URLs beside it in ``<key>/examples``, where the run report reads them."""
    if stats is None:
        return
    stats.inc_value(key)
    examples = stats.get_value(f"{key}/examples", [])
    if len(examples) < EXAMPLES:
        stats.set_value(f"{key}/examples", [*examples, url])


class DiscoveryBudgetExhausted(IgnoreRequest):
    """A discovery request dropped because the run's article limit is reached (not an error)."""


class ResourceBudgetExhausted(IgnoreRequest):
    """A page resource not fetched because its page's resources have used their byte budget."""

    kind = "over_page_bytes"


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids the URL to our User-Agent."""

    kind = "robots_disallowed"


# Scrapy's own IgnoreRequest messages (scrapy 2.14 to 2.19) -> kind
SCRAPY_MESSAGES = {
    "DOWNLOAD_MAXSIZE": "body_too_large",  # a decompression bomb: the compressed record is archived
    "max redirections": "redirect_loop",
}


def error_kind(failure: Failure) -> str:
    """A short name for what went wrong: http_404, robots_disallowed, body_too_large, DNSLookupError, ..."""
    error = failure.value
    response = getattr(error, "response", None)
    if response is not None:
        return f"http_{response.status}"
    kind = getattr(error, "kind", None)
    if isinstance(kind, str):
        return kind
    if isinstance(error, IgnoreRequest):
        message = str(error)
        for fragment, name in SCRAPY_MESSAGES.items():
            if fragment in message:
                return name
    if type(error).__name__ == "DownloadCancelledError":
        # Scrapy cancels a download whose announced or streamed size passes DOWNLOAD_MAXSIZE (the streamed
        # case carries no message); nothing partial is archived
        return "body_too_large"
    return type(error).__name__
