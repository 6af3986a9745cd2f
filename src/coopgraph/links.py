"""Which strings from the data may become a link in a page: http and https addresses only.

Data is not trusted to be safe just because it validated (pages are also made from data built
with ``--allow-invalid``, or loaded from an old build): a ``javascript:`` URL in an ``href``
runs when clicked, and ``data:``, ``vbscript:`` or ``file:`` ones open things a reader did not
ask for. Browsers strip leading and trailing spaces and control characters and drop tabs and
newlines anywhere before they read the scheme (WHATWG URL), so "  java\\tscript:" is still
``javascript:``; rather than imitate that, anything holding such characters is refused.
Whatever is refused is shown as text by the pages, never linked.
"""

from __future__ import annotations

import re

_WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


def web_href(url: str | None) -> str | None:
    """``url`` if it is an http(s) address safe to put in an ``href``, else None.

    The check is on the exact string: nothing is stripped or decoded, so what is checked is
    what the browser gets (HTML-escaping it for the attribute stays the caller's job).
    """
    if url and _WEB.fullmatch(url):
        return url
    return None
