"""Who sent a request: its AWS signature (Version 4 in the Authorization header or the
query string, or the Query API's Versions 0-2) checked by Keystone's ``/v3/ec2tokens``,
which answers with a token of the key's user scoped to its project.

The signature is never checked here: Keystone holds the secret. Here: finding which
version was used, what was signed (for Version 4 of a form POST, the URL's query and the
body's hash; for Version 2, every parameter), and refusing stale timestamps early.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from pocketstack.client.identity import Token
from pocketstack.ec2.errors import Ec2Error, auth_failure, signature_mismatch

V4 = "AWS4-HMAC-SHA256"
# AWS refuses a request signed more than 15 minutes before (or after) it arrives.
SKEW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Signed:
    """The parts of a request Keystone needs to recompute its signature."""

    access: str
    signature: str
    params: dict[str, str]
    stamp: str
    expires: str = ""

    def credentials(self, verb: str, host: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        return {
            "access": self.access,
            "signature": self.signature,
            "host": host,
            "verb": verb,
            "path": path,
            "params": self.params,
            "headers": headers,
            "body_hash": hashlib.sha256(body).hexdigest(),
        }


def _v4_fields(authorization: str) -> dict[str, str]:
    parts = (part.strip().split("=", 1) for part in authorization[len(V4) :].split(","))
    return {p[0].strip(): p[1].strip() for p in parts if len(p) == 2}


def signed_parts(headers: dict[str, str], query: dict[str, str], params: dict[str, str]) -> Signed:
    """``query``: the URL's parameters; ``params``: those and the form body's."""
    authorization = headers.get("authorization", "")
    if authorization.startswith(V4):
        fields = _v4_fields(authorization)
        credential, signature = fields.get("Credential", ""), fields.get("Signature", "")
        if not credential or not signature:
            raise auth_failure("The Authorization header is not a well-formed AWS Signature Version 4.")
        return Signed(credential.split("/", 1)[0], signature, query, headers.get("x-amz-date", ""))
    if query.get("X-Amz-Algorithm") == V4:
        credential = query.get("X-Amz-Credential", "")
        if not credential or not query.get("X-Amz-Signature"):
            raise auth_failure("The presigned URL lacks X-Amz-Credential or X-Amz-Signature.")
        lifetime = query.get("X-Amz-Expires", "")
        stamp = query.get("X-Amz-Date", "")
        expires = ""
        if lifetime.isdigit() and stamp:
            # A presigned URL is good for X-Amz-Expires seconds from its date (at most a week).
            until = _parse_time(stamp) + dt.timedelta(seconds=min(int(lifetime), 7 * 86400))
            expires = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        return Signed(credential.split("/", 1)[0], query["X-Amz-Signature"], query, stamp, expires)
    if params.get("AWSAccessKeyId") and params.get("Signature"):
        stamp = params.get("Timestamp", "")
        return Signed(params["AWSAccessKeyId"], params["Signature"], params, stamp, params.get("Expires", ""))
    raise Ec2Error("MissingAuthenticationToken", "Request is missing Authentication Token", 401)


def _parse_time(text: str) -> dt.datetime:
    try:
        if len(text) == 16 and text.endswith("Z") and "T" in text and "-" not in text:
            return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise auth_failure(f"Invalid timestamp in the request: {text}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def check_time(signed: Signed, now: dt.datetime) -> None:
    if signed.expires:
        if _parse_time(signed.expires) < now:
            raise Ec2Error("RequestExpired", f"Request has expired. Expires date is {signed.expires}")
        return
    if not signed.stamp:
        raise auth_failure("The request has no timestamp (X-Amz-Date or Timestamp).")
    if abs(now - _parse_time(signed.stamp)) > SKEW:
        raise Ec2Error("RequestExpired", f"Request has expired. Timestamp date is {signed.stamp}")


async def token_for(http: httpx.AsyncClient, credentials: dict[str, Any]) -> Token:
    """Keystone's verdict on the signature: the caller's project token, or EC2's error."""
    try:
        answer = await http.post("/identity/v3/ec2tokens", json={"credentials": credentials})
    except httpx.HTTPError as exc:
        raise Ec2Error("Unavailable", f"The identity service could not be reached ({exc}).", 503) from None
    if answer.status_code == 200:
        return Token.from_response(answer.headers["x-subject-token"], orjson.loads(answer.content))
    if answer.status_code == 404:
        raise auth_failure()
    if answer.status_code == 401:
        message = ""
        try:
            message = str(orjson.loads(answer.content)["error"]["message"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            pass
        if "signature" in message.lower():
            raise signature_mismatch()
        if "expired" in message.lower():
            raise Ec2Error("RequestExpired", "Request has expired.")
        raise auth_failure()
    if answer.status_code >= 500:
        raise Ec2Error("Unavailable", "The identity service could not check the request's signature.", 503)
    raise auth_failure()
