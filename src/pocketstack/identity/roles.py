"""Effective roles: direct and group assignments, inherited ones, and implied roles.

Results are cached per (user, scope) and the cache is dropped on any identity write, so
re-scoping and validation do not query the database on the hot path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from pocketstack.db import Database
from pocketstack.identity import models as m


class RoleResolver:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._roles: dict[str, m.Role] | None = None
        self._implies: dict[str, set[str]] = {}
        self._effective: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def invalidate(self) -> None:
        self._roles = None
        self._effective.clear()

    async def roles(self) -> dict[str, m.Role]:
        if self._roles is None:
            async with self.db.reader() as s:
                roles = {r.id: r for r in (await s.scalars(select(m.Role))).all()}
                implies: dict[str, set[str]] = {}
                for prior, implied in (
                    await s.execute(select(m.ImpliedRole.prior_role_id, m.ImpliedRole.implied_role_id))
                ).all():
                    implies.setdefault(prior, set()).add(implied)
            self._roles, self._implies = roles, implies
        return self._roles

    async def expand(self, role_ids: set[str]) -> tuple[str, ...]:
        """Add every implied role (transitively), ordered for stable tokens. Domain-specific
        roles only lend their implied roles: as in Keystone, they are never in a token nor
        an effective assignment themselves."""
        roles = await self.roles()
        result = set(role_ids)
        todo = list(role_ids)
        while todo:
            for implied in self._implies.get(todo.pop(), ()):
                if implied not in result:
                    result.add(implied)
                    todo.append(implied)
        return tuple(sorted(r for r in result if r not in roles or not roles[r].domain_id))

    async def names(self, role_ids: tuple[str, ...]) -> tuple[str, ...]:
        roles = await self.roles()
        return tuple(roles[r].name for r in role_ids if r in roles)

    async def effective(self, user_id: str, scope: str, scope_id: str) -> tuple[str, ...]:
        """Role ids the user holds on the target (``project``, ``domain`` or ``system``)."""
        key = (user_id, scope, scope_id)
        cached = self._effective.get(key)
        if cached is not None:
            return cached
        async with self.db.reader() as s:
            groups = list((await s.scalars(select(m.Membership.group_id).where(m.Membership.user_id == user_id))).all())
            actors = [user_id, *groups]
            A = m.Assignment
            if scope == "project":
                chain: list[str] = []
                domain_id = None
                current: str | None = scope_id
                while current and len(chain) < 20:
                    row = (
                        await s.execute(select(m.Project.parent_id, m.Project.domain_id).where(m.Project.id == current))
                    ).first()
                    if row is None:
                        break
                    chain.append(current)
                    domain_id = row.domain_id
                    current = row.parent_id
                inherited_targets = chain[1:] + ([domain_id] if domain_id else [])
                cond = or_(
                    and_(A.type.in_(("UserProject", "GroupProject")), A.target_id == scope_id, A.inherited.is_(False)),
                    and_(A.inherited.is_(True), A.target_id.in_(inherited_targets or [""])),
                )
            elif scope == "domain":
                cond = and_(A.type.in_(("UserDomain", "GroupDomain")), A.target_id == scope_id, A.inherited.is_(False))
            else:
                cond = and_(A.type.in_(("UserSystem", "GroupSystem")), A.target_id == "system")
            direct = set((await s.scalars(select(A.role_id).where(A.actor_id.in_(actors), cond))).all())
        result = await self.expand(direct) if direct else ()
        self._effective[key] = result
        return result

    async def _grants(self, s: Any, user_id: str) -> list[tuple[str, str, bool]]:
        """(type, target, inherited) of every assignment to the user or its groups."""
        A = m.Assignment
        groups = list((await s.scalars(select(m.Membership.group_id).where(m.Membership.user_id == user_id))).all())
        rows = await s.execute(select(A.type, A.target_id, A.inherited).where(A.actor_id.in_([user_id, *groups])))
        return [(kind, target, inherited) for kind, target, inherited in rows.all()]

    async def project_ids(self, user_id: str) -> set[str]:
        """Projects on which the user holds any role, in three queries whatever their number
        (``GET /v3/auth/projects`` and ``/v3/users/{id}/projects``)."""
        async with self.db.reader() as s:
            rows = await self._grants(s, user_id)
            direct = {t for kind, t, inherited in rows if kind.endswith("Project") and not inherited}
            inherited_domains = {t for kind, t, inherited in rows if kind.endswith("Domain") and inherited}
            inherited_parents = {t for kind, t, inherited in rows if kind.endswith("Project") and inherited}
            if inherited_domains or inherited_parents:
                below = (
                    await s.execute(
                        select(m.Project.id).where(
                            m.Project.domain_id.in_(inherited_domains) | m.Project.parent_id.in_(inherited_parents)
                        )
                    )
                ).all()
                direct |= {pid for (pid,) in below}
        return direct

    async def domain_ids(self, user_id: str) -> set[str]:
        """Domains on which the user holds a (non-inherited) role (``GET /v3/auth/domains``)."""
        async with self.db.reader() as s:
            rows = await self._grants(s, user_id)
        return {t for kind, t, inherited in rows if kind.endswith("Domain") and not inherited}
