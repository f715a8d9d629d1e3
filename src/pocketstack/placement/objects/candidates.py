"""Allocation candidates: which sets of providers can satisfy a request, and how.

Three statements per page of trees, whatever the number of providers:

1. one SQL statement picks candidate *trees* (root ids): a tree qualifies if, for every
   (request group, resource class) pair, some provider in it has the capacity and
   passes that group's per-provider filters (forbidden traits, suffixed groups'
   required traits, member_of, in_tree). These are correlated EXISTS probes on indexed
   columns, and with ``limit`` the database stops after enough trees;
2. one statement loads those trees' providers with their inventories, one more their
   traits (plain SQL through :mod:`fastsql`: one thread hop each on SQLite). These rows
   serve both the summaries and step 3;
3. Python finds, per tree, the providers able to serve each pair (the same rules as
   step 1; with member_of the aggregates are not loaded, so one more SQL statement does
   it), combines them into allocation requests and applies what SQL cannot say per
   provider: a suffixed group served by one provider, required traits of the unsuffixed
   group over the providers it uses, group_policy, same_subtree, combined capacity when
   groups share a provider.

Sharing providers (MISC_SHARES_VIA_AGGREGATE) are not used to satisfy requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db import fastsql
from pocketstack.placement.objects import filters, names
from pocketstack.placement.objects.tables import INV, RP

ROOT = RP.alias("cand_root")


@dataclass
class RequestGroup:
    suffix: str  # "" for the unsuffixed group
    resources: dict[str, int] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    any_of: list[set[str]] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)
    member_of: filters.AggregateFilter = field(default_factory=filters.AggregateFilter)
    in_tree: str | None = None


@dataclass
class CandidateQuery:
    groups: list[RequestGroup]
    group_policy: str | None = None
    limit: int | None = None
    root_required: set[str] = field(default_factory=set)
    root_any_of: list[set[str]] = field(default_factory=list)
    root_forbidden: set[str] = field(default_factory=set)
    same_subtree: list[list[str]] = field(default_factory=list)
    nested: bool = True  # 1.29+: providers below a root may serve requests


@dataclass
class Candidate:
    allocations: dict[int, dict[str, int]]  # provider id -> class -> amount
    mappings: dict[str, list[int]]  # group suffix -> provider ids


class Node(NamedTuple):
    """A provider of a candidate tree, as the summaries and the tree rules need it."""

    id: int
    uuid: str
    parent_id: int | None
    root_id: int
    generation: int


# An inventory as loaded: (total, reserved, min_unit, max_unit, step_size, allocation_ratio, used).
InventoryRow = tuple[int, int, int, int, int, float, int]


@dataclass
class Result:
    candidates: list[Candidate]
    providers: dict[int, Node]
    inventories: dict[int, dict[str, InventoryRow]]
    traits: dict[int, set[str]]

    def uuid_of(self, provider_id: int | None) -> str | None:
        return None if provider_id is None else self.providers[provider_id].uuid


@dataclass
class _Pair:
    group: int
    class_name: str
    class_id: int
    amount: int


@dataclass
class _Trees:
    """Everything loaded about a page of candidate trees (one statement each)."""

    nodes: dict[int, Node] = field(default_factory=dict)
    inventory: dict[int, dict[str, InventoryRow]] = field(default_factory=dict)
    traits: dict[int, set[str]] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # root id -> provider ids


async def find(session: AsyncSession, q: CandidateQuery) -> Result:
    class_ids = await names.class_ids(session, {rc for g in q.groups for rc in g.resources})
    trait_names = {t for g in q.groups for t in (g.required | g.forbidden | set().union(*g.any_of, set()))}
    trait_names |= q.root_required | q.root_forbidden | set().union(*q.root_any_of, set())
    trait_ids = await names.trait_ids(session, trait_names)
    pairs = [_Pair(i, rc, class_ids[rc], n) for i, g in enumerate(q.groups) for rc, n in sorted(g.resources.items())]
    tree_ids = {}
    for g in q.groups:
        if g.in_tree is not None:
            root = (await session.execute(select(RP.c.root_provider_id).where(RP.c.uuid == g.in_tree))).first()
            if root is None:
                return Result([], {}, {}, {})
            tree_ids[g.suffix] = root[0]

    # Aggregate filters need the aggregate rows: only then is the per-pair choice left to SQL.
    sql_pairs = any(g.member_of for g in q.groups)
    # Without trait, aggregate or tree filters the roots statement is plain SQL (one hop).
    plain = not trait_names and not sql_pairs and not tree_ids
    # The SQLAlchemy conditions are only for the other paths (building them costs more
    # than the plain statement itself).
    conds = [] if plain else [_pair_condition(q, p, trait_ids, tree_ids) for p in pairs]
    out: list[Candidate] = []
    loaded = _Trees()
    # Answers of the common case share one resources dict (read-only from here on).
    simple = len(q.groups) == 1 and not (q.groups[0].required or q.groups[0].any_of)
    shared = {p.class_name: p.amount for p in pairs}
    suffix = q.groups[0].suffix
    after = 0
    page = max(q.limit or 0, 200) if q.limit else None
    while True:
        if plain:
            roots = await _plain_roots(session, q, pairs, after, page)
        else:
            roots_stmt = select(ROOT.c.id).where(ROOT.c.parent_provider_id.is_(None), ROOT.c.id > after)
            roots_stmt = roots_stmt.where(*_root_filters(q, trait_ids))
            for cond in conds:
                roots_stmt = roots_stmt.where(
                    exists().where(INV.c.resource_provider_id == RP.c.id, RP.c.root_provider_id == ROOT.c.id, cond)
                )
            roots_stmt = roots_stmt.order_by(ROOT.c.id)
            if page is not None:
                roots_stmt = roots_stmt.limit(page)
            roots = [r for (r,) in await session.execute(roots_stmt)]
        if not roots:
            break
        await _load_trees(session, roots, loaded)
        # A one-provider tree chosen by the roots statement serves every pair by itself:
        # in the common case it needs no per-pair work at all.
        members = loaded.members
        quick = {r for r in roots if len(members.get(r, ())) == 1} if simple else set()
        rest = [r for r in roots if r not in quick]
        if not rest:
            trees = {}
        elif sql_pairs:
            trees = await _pairs_in_sql(session, conds, len(pairs), rest)
        else:
            trees = _pairs_in_python(q, pairs, tree_ids, loaded, rest)
        limit = q.limit if q.limit is not None else len(roots) * 1000 + len(out) + 1
        for root_id in roots:
            if root_id in quick:
                out.append(Candidate({root_id: shared}, {suffix: [root_id]}))
            else:
                per_pair = trees.get(root_id)
                if per_pair is None:
                    continue
                out.extend(
                    itertools.islice(_combine(q, pairs, per_pair, loaded.nodes, loaded.traits), limit - len(out))
                )
            if len(out) >= limit:
                break
        after = roots[-1]
        if page is None or len(roots) < page or (q.limit is not None and len(out) >= q.limit):
            break
    return _result(q, out, loaded)


def _result(q: CandidateQuery, out: list[Candidate], loaded: _Trees) -> Result:
    """Keep what the summaries show: every provider of a used tree (1.29+), else the used ones."""
    if q.nested:
        used_trees = {loaded.nodes[rp].root_id for c in out for rp in c.allocations}
        keep = [rp for root in sorted(used_trees) for rp in loaded.members[root]]
    else:
        keep = sorted({rp for c in out for rp in c.allocations})
    no_inventory: dict[str, InventoryRow] = {}
    return Result(
        out,
        {rp: loaded.nodes[rp] for rp in keep},
        {rp: loaded.inventory.get(rp, no_inventory) for rp in keep},
        {rp: loaded.traits[rp] for rp in keep if rp in loaded.traits},
    )


async def _load_trees(session: AsyncSession, roots: list[int], into: _Trees) -> None:
    """The providers of the trees with their inventories, then their traits: two statements."""
    ids = fastsql.id_list(roots)
    rows = await fastsql.rows(
        session,
        "SELECT p.id, p.uuid, p.parent_provider_id, p.root_provider_id, p.generation, c.name, "
        "i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio, i.used "
        "FROM placement_resource_providers p "
        "LEFT JOIN placement_inventories i ON i.resource_provider_id = p.id "
        "LEFT JOIN placement_resource_classes c ON c.id = i.resource_class_id "
        # No ORDER BY: it would make SQLite scan every provider instead of the root index.
        f"WHERE p.root_provider_id IN ({ids})",
    )
    nodes, inventory, members = into.nodes, into.inventory, into.members
    for row in rows:
        rp = row[0]
        invs = inventory.get(rp)
        if invs is None:
            nodes[rp] = Node(rp, row[1], row[2], row[3], row[4])
            members.setdefault(row[3], []).append(rp)
            invs = inventory[rp] = {}
        if row[5] is not None:
            invs[row[5]] = row[6:]
    for root in roots:
        tree = members.get(root)
        if tree is not None and len(tree) > 1:
            tree.sort()
    trait_rows = await fastsql.rows(
        session,
        "SELECT t.resource_provider_id, n.name FROM placement_provider_traits t "
        "JOIN placement_resource_providers p ON p.id = t.resource_provider_id "
        "JOIN placement_traits n ON n.id = t.trait_id "
        f"WHERE p.root_provider_id IN ({ids})",
    )
    traits = into.traits
    for rp, name in trait_rows:
        traits.setdefault(rp, set()).add(name)


def _pairs_in_python(
    q: CandidateQuery, pairs: list[_Pair], tree_ids: dict[str, int], loaded: _Trees, roots: list[int]
) -> dict[int, list[list[tuple[int, float]]]]:
    """Per tree, for each pair, the providers that can serve it with what they have left.

    The same rules as :func:`_pair_condition` (which chose the trees in SQL), applied to
    the rows already loaded for the summaries: no further statement per page.
    """
    groups = [q.groups[p.group] for p in pairs]
    # Per pair, the checks that are not about capacity (most requests have none).
    extra = [bool(g.suffix in tree_ids or g.forbidden or (g.suffix and (g.required or g.any_of))) for g in groups]
    no_traits: set[str] = set()
    trees: dict[int, list[list[tuple[int, float]]]] = {}
    nodes, inventory, traits = loaded.nodes, loaded.inventory, loaded.traits
    for root in roots:
        out: list[list[tuple[int, float]]] = [[] for _ in pairs]
        trees[root] = out
        for rp in loaded.members.get(root, ()):
            invs = inventory.get(rp)
            if not invs or (not q.nested and nodes[rp].parent_id is not None):
                continue
            for k, p in enumerate(pairs):
                inv = invs.get(p.class_name)
                if inv is None:
                    continue
                total, reserved, lo, hi, step, ratio, used = inv
                left = (total - reserved) * ratio - used
                n = p.amount
                if left < n or lo > n or hi < n or n % step:
                    continue
                if extra[k]:
                    g = groups[k]
                    have = traits.get(rp, no_traits)
                    if g.suffix in tree_ids and root != tree_ids[g.suffix]:
                        continue
                    if g.forbidden & have:
                        continue
                    if g.suffix and (not g.required <= have or not all(s & have for s in g.any_of)):
                        continue
                out[k].append((rp, left))
    return trees


async def _pairs_in_sql(
    session: AsyncSession, conds: list[Any], npairs: int, roots: list[int]
) -> dict[int, list[list[tuple[int, float]]]]:
    per_pair = union_all(
        *[
            select(literal(k).label("k"), RP.c.id, RP.c.root_provider_id, filters.capacity_left().label("left"))
            .select_from(INV.join(RP, RP.c.id == INV.c.resource_provider_id))
            .where(RP.c.root_provider_id.in_(roots), cond)
            for k, cond in enumerate(conds)
        ]
    )
    trees: dict[int, list[list[tuple[int, float]]]] = {}
    for k, rp_id, root_id, left in await session.execute(per_pair):
        trees.setdefault(root_id, [[] for _ in range(npairs)])[k].append((rp_id, left))
    return trees


async def _plain_roots(
    session: AsyncSession, q: CandidateQuery, pairs: list[_Pair], after: int, page: int | None
) -> list[int]:
    """The roots statement of :func:`find` for requests with resources only, as plain SQL.

    Same conditions as :func:`_pair_condition` (capacity, min/max unit, step size; the
    class compared with ``+ 0`` for the same reason), one EXISTS per pair.
    """
    params: dict[str, Any] = {"after": after}
    probes = []
    for k, p in enumerate(pairs):
        # The modulo gets its own parameter: PostgreSQL types a parameter once, and the
        # capacity comparison would make it a float, for which % is not defined.
        params[f"c{k}"], params[f"n{k}"], params[f"m{k}"] = p.class_id, p.amount, p.amount
        probes.append(
            "EXISTS (SELECT 1 FROM placement_inventories i "
            "JOIN placement_resource_providers p ON p.id = i.resource_provider_id "
            f"WHERE p.root_provider_id = r.id AND i.resource_class_id + 0 = :c{k} "
            f"AND (i.total - i.reserved) * i.allocation_ratio - i.used >= :n{k} "
            f"AND i.min_unit <= :n{k} AND i.max_unit >= :n{k} AND :m{k} % i.step_size = 0"
            + ("" if q.nested else " AND p.parent_provider_id IS NULL")
            + ")"
        )
    sql = (
        "SELECT r.id FROM placement_resource_providers r WHERE r.parent_provider_id IS NULL AND r.id > :after AND "
        + " AND ".join(probes)
        + " ORDER BY r.id"
    )
    if page is not None:
        sql += f" LIMIT {int(page)}"
    return [r for (r,) in await fastsql.rows(session, sql, params)]


def _pair_condition(q: CandidateQuery, p: _Pair, trait_ids: dict[str, int], tree_ids: dict[str, int]) -> Any:
    """The per-provider condition for one (group, class) pair, on INV joined to RP."""
    g = q.groups[p.group]
    # "+ 0" keeps planners off the resource-class index here: these conditions are
    # probed per tree, where walking the tree's providers (root index, then the
    # provider's few inventory rows) is O(tree); the class index would be O(all providers).
    clauses = [(INV.c.resource_class_id + 0) == p.class_id, filters.fits(p.amount)]
    if g.suffix:
        tf = filters.TraitFilter(
            {trait_ids[t] for t in g.required},
            [{trait_ids[t] for t in s} for s in g.any_of],
            {trait_ids[t] for t in g.forbidden},
        )
    else:
        # Required traits of the unsuffixed group may come from any provider it uses:
        # checked in Python. Forbidden ones may be on none of them: checked here.
        tf = filters.TraitFilter(forbidden={trait_ids[t] for t in g.forbidden})
    clauses += filters.traits_clause(RP.c.id, tf)
    clauses += filters.aggregates_clause(RP.c.id, RP.c.root_provider_id, g.member_of)
    if g.suffix in tree_ids:
        clauses.append(RP.c.root_provider_id == tree_ids[g.suffix])
    if not q.nested:
        clauses.append(RP.c.parent_provider_id.is_(None))
    return and_(*clauses)


def _root_filters(q: CandidateQuery, trait_ids: dict[str, int]) -> list[Any]:
    tf = filters.TraitFilter(
        {trait_ids[t] for t in q.root_required},
        [{trait_ids[t] for t in s} for s in q.root_any_of],
        {trait_ids[t] for t in q.root_forbidden},
    )
    return filters.traits_clause(ROOT.c.id, tf)


def _combine(
    q: CandidateQuery,
    pairs: list[_Pair],
    per_pair: list[list[tuple[int, float]]],
    provider_map: dict[int, Node],
    trait_map: dict[int, set[str]],
) -> Iterator[Candidate]:
    """All allocation requests one tree can give, in a stable order."""
    if len(q.groups) == 1 and all(len(rows) == 1 for rows in per_pair):
        # The common case (one group, a flat provider or one server per class): one answer.
        g = q.groups[0]
        single: dict[int, dict[str, int]] = {}
        for p, rows in zip(pairs, per_pair, strict=True):
            single.setdefault(rows[0][0], {})[p.class_name] = p.amount
        if _traits_ok(g, single, trait_map):
            yield Candidate(single, {g.suffix: sorted(single)})
        return
    left: dict[tuple[int, str], float] = {}
    options: list[list[dict[int, dict[str, int]]]] = []
    for gi, g in enumerate(q.groups):
        ks = [k for k, p in enumerate(pairs) if p.group == gi]
        for k in ks:
            for rp, cap in per_pair[k]:
                left[(rp, pairs[k].class_name)] = cap
        group_opts: list[dict[int, dict[str, int]]] = []
        if g.suffix:
            common = set.intersection(*[{rp for rp, _ in per_pair[k]} for k in ks]) if ks else set()
            for rp in sorted(common):
                group_opts.append({rp: {pairs[k].class_name: pairs[k].amount for k in ks}})
        else:
            choices = [sorted({rp for rp, _ in per_pair[k]}) for k in ks]
            for combo in itertools.product(*choices):
                alloc: dict[int, dict[str, int]] = {}
                for k, rp in zip(ks, combo, strict=True):
                    alloc.setdefault(rp, {})[pairs[k].class_name] = pairs[k].amount
                if _traits_ok(g, alloc, trait_map):
                    group_opts.append(alloc)
        if not group_opts:
            return
        options.append(group_opts)
    seen: set[Any] = set()
    for choice in itertools.product(*options):
        if not _policy_ok(q, choice):
            continue
        merged: dict[int, dict[str, int]] = {}
        for alloc in choice:
            for rp, res in alloc.items():
                into = merged.setdefault(rp, {})
                for rc, n in res.items():
                    into[rc] = into.get(rc, 0) + n
        if any(n > left.get((rp, rc), 0) for rp, res in merged.items() for rc, n in res.items()):
            continue
        mappings = {g.suffix: sorted(alloc) for g, alloc in zip(q.groups, choice, strict=True)}
        if not _same_subtree_ok(q, mappings, provider_map):
            continue
        key = (
            tuple(sorted((rp, tuple(sorted(r.items()))) for rp, r in merged.items())),
            tuple(sorted((s, tuple(v)) for s, v in mappings.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        yield Candidate(merged, mappings)


def _traits_ok(g: RequestGroup, alloc: dict[int, dict[str, int]], trait_map: dict[int, set[str]]) -> bool:
    if not g.required and not g.any_of:
        return True
    have: set[str] = set()
    for rp in alloc:
        have |= trait_map.get(rp, set())
    return g.required <= have and all(s & have for s in g.any_of)


def _policy_ok(q: CandidateQuery, choice: tuple[dict[int, dict[str, int]], ...]) -> bool:
    if q.group_policy != "isolate":
        return True
    used: set[int] = set()
    for g, alloc in zip(q.groups, choice, strict=True):
        if not g.suffix:
            continue
        if used & alloc.keys():
            return False
        used |= alloc.keys()
    return True


def _same_subtree_ok(q: CandidateQuery, mappings: dict[str, list[int]], provider_map: dict[int, Node]) -> bool:
    if not q.same_subtree:
        return True
    for suffixes in q.same_subtree:
        members = {rp for s in suffixes for rp in mappings.get(s, [])}
        if not members:
            continue
        if not any(all(_is_under(m, top, provider_map) for m in members) for top in members):
            return False
    return True


def _is_under(rp: int, top: int, provider_map: dict[int, Node]) -> bool:
    node: int | None = rp
    while node is not None:
        if node == top:
            return True
        found = provider_map.get(node)
        node = found.parent_id if found else None
    return False
