"""Dashboard sessions: cookie attributes, cookie parsing, idle and expired sessions,
CSRF comparison, the store's bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pocketstack.client import Token
from pocketstack.dashboard import sessions
from pocketstack.dashboard.sessions import SessionStore, cookie_header, parse_cookies


def token(minutes: int = 60) -> Token:
    return Token(
        id="t", expires_at=datetime.now(UTC) + timedelta(minutes=minutes), user_id="u", user_name="demo", domain_id="d"
    )


def test_cookie_attributes() -> None:
    plain = cookie_header("s", "abc", secure=False)
    assert plain == "s=abc; Path=/dashboard; HttpOnly; SameSite=Strict"
    assert cookie_header("s", "", secure=True, max_age=0).endswith("; Secure; Max-Age=0")


def test_parse_cookies_keeps_the_first_of_a_name() -> None:
    assert parse_cookies("a=1; b=2=3;junk; a=9") == {"a": "1", "b": "2=3"}
    assert parse_cookies(None) == {}


def test_sessions_are_random_idle_and_expiring(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore()
    one, two = store.create(token(), []), store.create(token(), [])
    assert one.id != two.id and one.csrf != two.csrf and len(one.id) >= 40
    assert store.get(one.id) is one and store.get("forged") is None and store.get(None) is None
    assert one.csrf_ok(one.csrf) and not one.csrf_ok(two.csrf) and not one.csrf_ok("") and not one.csrf_ok(None)
    assert not one.expired() and store.create(token(-1), []).expired()
    one.last_seen -= sessions.IDLE_SECONDS + 1
    assert store.get(one.id) is None and store.get(two.id) is two


def test_the_store_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 20)
    store = SessionStore()
    made = [store.create(token(), []) for _ in range(50)]
    assert len(store) <= 20 and store.get(made[-1].id) is made[-1]
