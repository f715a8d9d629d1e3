"""Keystone's ``[security_compliance]`` password rules (``Config.security_compliance``):
lockout after failed logins, a required pattern, no reuse of the last N passwords, a
minimum age before a user changes their own password again, and expiry. Every rule is
off by default, as in Keystone.

Users exempt themselves from a rule through Keystone's user options
``ignore_lockout_failure_attempts`` and ``ignore_password_expiry``.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.config import SecurityComplianceConfig
from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.identity import models as m
from pocketstack.identity import passwords


def check_pattern(rules: SecurityComplianceConfig, password: str) -> None:
    """400 (Keystone's text and the configured description) if the password does not
    match ``password_regex``."""
    if not rules.password_regex:
        return
    try:
        matches = re.match(rules.password_regex, password) is not None
    except re.error:
        raise Invalid("Password validation error: Unable to validate password due to invalid configuration.") from None
    if not matches:
        raise Invalid(f"The password does not match the requirements: {rules.password_regex_description}.")


async def check_history(s: AsyncSession, rules: SecurityComplianceConfig, user: m.User, password: str) -> None:
    """400 if ``password`` is one of the user's last ``unique_last_password_count``
    passwords (the current one included)."""
    count = rules.unique_last_password_count
    if count <= 0:
        return
    hashes = [row.password_hash for row in await _history(s, user.id)][-count:]
    if user.password_hash and user.password_hash not in hashes:
        hashes = [*hashes, user.password_hash][-count:]
    for hashed in hashes:
        if await passwords.verify_password(password, hashed):
            raise Invalid(
                "The new password cannot be identical to a previous password. The total number which includes "
                f"the new password must be unique is {count}."
            )


async def check_minimum_age(s: AsyncSession, rules: SecurityComplianceConfig, user: m.User) -> None:
    """400 if the user set their current password less than ``minimum_password_age``
    days ago (a password an administrator set may be changed at once, as in Keystone)."""
    days = rules.minimum_password_age
    if days <= 0:
        return
    rows = await _history(s, user.id)
    if not rows or not rows[-1].self_service:
        return
    allowed_at = rows[-1].created_at + dt.timedelta(days=days)
    now = utcnow()
    if now < allowed_at:
        left = math.ceil((allowed_at - now).total_seconds() / 86400)
        raise Invalid(
            "You cannot change your password at this time due to the minimum password age. Once you change "
            f"your password, it must be used for {days} day(s) before it can be changed. Please try again in "
            f"{left} day(s) or contact your administrator to reset your password."
        )


async def record_password(
    s: AsyncSession, rules: SecurityComplianceConfig, user: m.User, hashed: str, *, self_service: bool
) -> None:
    """The user's new password: set, remembered (the last N kept), expiry set, and the
    failed logins forgotten."""
    now = utcnow()
    user.password_hash = hashed
    user.failed_auth_count, user.failed_auth_at = None, None
    expires = rules.password_expires_days > 0 and not (user.options or {}).get("ignore_password_expiry")
    user.password_expires_at = now + dt.timedelta(days=rules.password_expires_days) if expires else None
    await s.flush()
    s.add(m.PasswordHistory(user_id=user.id, password_hash=hashed, created_at=now, self_service=self_service))
    await s.flush()
    keep = [row.id for row in await _history(s, user.id)][-max(rules.unique_last_password_count, 1) :]
    await s.execute(
        delete(m.PasswordHistory).where(m.PasswordHistory.user_id == user.id, m.PasswordHistory.id.not_in(keep))
    )


def locked(rules: SecurityComplianceConfig, user: m.User) -> bool:
    """True while the user is locked out by failed logins."""
    attempts = rules.lockout_failure_attempts
    if (
        attempts <= 0
        or (user.failed_auth_count or 0) < attempts
        or (user.options or {}).get("ignore_lockout_failure_attempts")
    ):
        return False
    if rules.lockout_duration <= 0 or user.failed_auth_at is None:
        return True
    return utcnow() < user.failed_auth_at + dt.timedelta(seconds=rules.lockout_duration)


async def login_failed(db: Database, rules: SecurityComplianceConfig, user: m.User) -> None:
    """Count a failed password login (only while lockout is on). Once a lockout has run
    its course the count starts again from this failure."""
    if rules.lockout_failure_attempts <= 0:
        return
    expired = (user.failed_auth_count or 0) >= rules.lockout_failure_attempts and not locked(rules, user)
    async with db.writer() as s:
        row = await s.get(m.User, user.id)
        if row is not None:
            row.failed_auth_count = 1 if expired else (row.failed_auth_count or 0) + 1
            row.failed_auth_at = utcnow()


async def login_succeeded(db: Database, user: m.User) -> None:
    if user.failed_auth_count:
        async with db.writer() as s:
            await s.execute(
                update(m.User).where(m.User.id == user.id).values(failed_auth_count=None, failed_auth_at=None)
            )


async def _history(s: AsyncSession, user_id: str) -> list[m.PasswordHistory]:
    query = select(m.PasswordHistory).where(m.PasswordHistory.user_id == user_id).order_by(m.PasswordHistory.id)
    return list((await s.scalars(query)).all())
