"""Building request paths from values a caller chose (ids in a proxied call).

An id goes into a path as exactly one segment: every reserved or non-printable
character percent-encoded (``/``, ``?``, ``#``, ``%``, controls), and the dot segments
``.`` and ``..`` encoded too, so a client never normalizes them into another resource
of the API it calls (the services call each other with a service token).
"""

from __future__ import annotations

from urllib.parse import quote


def segment(value: object) -> str:
    """``value`` as one percent-encoded path segment."""
    quoted = quote(str(value), safe="")
    if quoted in (".", ".."):
        return quoted.replace(".", "%2E")
    return quoted
