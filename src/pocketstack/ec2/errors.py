"""EC2's errors: a code clients branch on (``InvalidInstanceID.NotFound``), a message, an
HTTP status, and the XML body every AWS SDK parses:
``<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from pocketstack.common.errors import PocketError


class Ec2Error(PocketError):
    """An error with EC2's code; 400 unless said otherwise."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message, kind=code)
        self.code = code
        self.status = status


def auth_failure(message: str = "AWS was not able to validate the provided access credentials") -> Ec2Error:
    return Ec2Error("AuthFailure", message, 401)


def signature_mismatch() -> Ec2Error:
    return Ec2Error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method.",
        403,
    )


def missing(name: str) -> Ec2Error:
    return Ec2Error("MissingParameter", f"The request must contain the parameter {name}")


def invalid(name: str, value: object, why: str = "") -> Ec2Error:
    text = f"Value ({value}) for parameter {name} is invalid."
    return Ec2Error("InvalidParameterValue", f"{text} {why}".strip())


def not_found(code: str, what: str, ident: str) -> Ec2Error:
    """``InvalidInstanceID.NotFound`` and its kin: ``what`` is the noun in the message."""
    return Ec2Error(code, f"The {what} '{ident}' does not exist")


def body(code: str, message: str, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"</Errors><RequestID>{escape(request_id)}</RequestID></Response>"
    ).encode()


def error_format(status: int, error: PocketError, request_id: str) -> tuple[bytes, str]:
    """The web layer's hook for what the action code did not catch (a 500, a 413...)."""
    if isinstance(error, Ec2Error):
        return body(error.code, error.message, request_id), "text/xml;charset=UTF-8"
    code = {401: "AuthFailure", 403: "UnauthorizedOperation", 404: "InvalidAction", 413: "RequestEntityTooLarge"}
    chosen = code.get(status, "InternalError" if status >= 500 else "InvalidRequest")
    return body(chosen, error.message, request_id), "text/xml;charset=UTF-8"
