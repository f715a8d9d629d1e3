"""Dashboard sessions: the user's token lives here, server-side; the browser holds only
an opaque random session id in an HttpOnly, SameSite=Strict cookie (Secure under TLS).

Each session has its own CSRF token, which every state-changing request must carry
(a hidden form field or the ``X-CSRF-Token`` header). A session ends at log-out (its
token is revoked), when its token expires, or when the API answers 401 for it.
Sessions live in memory: a restarted cloud asks everyone to log in again.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pocketstack.client import Token
from pocketstack.client.base import Resource

COOKIE = "pocketstack_session"
# A login form's own double-submit token (no session exists before logging in).
LOGIN_COOKIE = "pocketstack_login"
# Sessions idle longer than this are dropped even if their token is still valid.
IDLE_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    id: str
    token: Token
    csrf: str
    projects: list[Resource] = field(default_factory=list)
    last_seen: float = field(default_factory=time.monotonic)

    def expired(self) -> bool:
        return self.token.expires_at <= datetime.now(UTC)

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf.encode(), (presented or "").encode())


class SessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def create(self, token: Token, projects: list[Resource]) -> Session:
        self._prune()
        session = Session(id=secrets.token_urlsafe(32), token=token, csrf=secrets.token_urlsafe(32), projects=projects)
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_seen > IDLE_SECONDS:
            self._sessions.pop(session_id, None)
            return None
        session.last_seen = now
        return session

    def drop(self, session_id: str) -> Session | None:
        return self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self) -> None:
        if len(self._sessions) < MAX_SESSIONS:
            return
        now = time.monotonic()
        for sid, session in list(self._sessions.items()):
            if session.expired() or now - session.last_seen > IDLE_SECONDS:
                del self._sessions[sid]
        if len(self._sessions) >= MAX_SESSIONS:
            # Still full: the least recently used go first.
            for sid, _ in sorted(self._sessions.items(), key=lambda kv: kv[1].last_seen)[: MAX_SESSIONS // 10]:
                del self._sessions[sid]


def parse_cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.setdefault(name, value)
    return cookies


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/dashboard", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
