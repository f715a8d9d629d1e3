"""Domain errors, free of HTTP.

Services raise these; the web layer (``pocketstack.web.errors``) is the one place that
turns them into status codes and each API's own error body. ``kind`` lets a service
name the error the way its API does (Neutron's ``type``, placement's ``code``).
"""

from __future__ import annotations


class PocketError(Exception):
    """Base of every error a client may see. ``message`` is safe to show."""

    def __init__(self, message: str, *, kind: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind or type(self).__name__
        self.detail = detail


class Invalid(PocketError):
    """The request is malformed or its values are not acceptable."""


class NotAuthenticated(PocketError):
    """No valid credentials: every cause gets the same vague message on purpose."""

    def __init__(self, message: str = "The request you have made requires authentication.", **kw: str) -> None:
        super().__init__(message, **kw)


class Forbidden(PocketError):
    """Authenticated, but the policy does not allow it."""


class NotFound(PocketError):
    """The resource does not exist (or the caller may not know it exists)."""


class MethodNotAllowed(PocketError):
    """The path exists but not with this method."""


class NotAcceptable(PocketError):
    """For example an unsupported microversion."""


class Conflict(PocketError):
    """The resource is in a state that forbids the request, or a duplicate."""


class Gone(PocketError):
    """The resource existed and is gone."""


class TooLarge(PocketError):
    """The request body or a stored size is over a limit."""


class LengthRequired(PocketError):
    """The call needs the body's length up front (Content-Length or chunked)."""


class PreconditionFailed(PocketError):
    """A condition the request set (If-Match, If-None-Match: *, ...) does not hold."""


class Unprocessable(PocketError):
    """The body arrived whole but does not match what the request declared (an ETag)."""


class QuotaExceeded(PocketError):
    """A project quota would be exceeded (each API picks its own status)."""


class UnsupportedMediaType(PocketError):
    """The Content-Type is not one this call takes."""


class RangeNotSatisfiable(PocketError):
    """A Range header outside the data."""


class NotImplementedYet(PocketError):
    """The call exists in OpenStack but pocketstack does not implement it (yet)."""


class Unavailable(PocketError):
    """A dependency (service, host, bus) cannot answer now."""
