"""Allocation candidates: which sets of providers can satisfy a request, and how.

The work is split so the database does the heavy filtering in one query:

1. one SQL statement picks candidate *trees* (root providers): a tree qualifies if,
   for every (request group, resource class) pair, some provider in it has the
   capacity and passes that group's per-provider filters (forbidden traits, suffixed
   groups' required traits, member_of, in_tree). These are correlated EXISTS probes
   on indexed columns, and with ``limit`` the database stops after enough trees.
   The same statement returns, for those trees only, each provider able to serve each
   (group, class) pair with its remaining capacity;
2. two more statements load the trees' providers and their traits (and, for the
   summaries, inventories);
3. Python combines the per-pair providers of each tree into allocation requests and
   applies what SQL cannot say per provider: a suffixed group served by one provider,
   required traits of the unsuffixed group over the providers it uses, group_policy,
   same_subtree, combined capacity when groups share a provider.

Sharing providers (MISC_SHARES_VIA_AGGREGATE) are not used to satisfy requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.placement.objects import filters, inventories, names, providers, traits
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


@dataclass
class Result:
    candidates: list[Candidate]
    providers: dict[int, providers.Provider]
    inventories: dict[int, dict[str, inventories.Inventory]]
    traits: dict[int, set[str]]


@dataclass
class _Pair:
    group: int
    class_name: str
    class_id: int
    amount: int


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

    conds = [_pair_condition(q, p, trait_ids, tree_ids) for p in pairs]
    out: list[Candidate] = []
    provider_map: dict[int, providers.Provider] = {}
    trait_map: dict[int, set[str]] = {}
    after = 0
    page = max(q.limit or 0, 200) if q.limit else None
    while True:
        roots_stmt = select(ROOT.c.id).where(ROOT.c.parent_provider_id.is_(None), ROOT.c.id > after)
        roots_stmt = roots_stmt.where(*_root_filters(q, trait_ids))
        for cond in conds:
            roots_stmt = roots_stmt.where(
                exists().where(INV.c.resource_provider_id == RP.c.id, RP.c.root_provider_id == ROOT.c.id, cond)
            )
        roots_stmt = roots_stmt.order_by(ROOT.c.id)
        if page is not None:
            roots_stmt = roots_stmt.limit(page)
        roots = roots_stmt.cte("cand_roots")
        per_pair = union_all(
            *[
                select(literal(k).label("k"), RP.c.id, RP.c.root_provider_id, filters.capacity_left().label("left"))
                .select_from(INV.join(RP, RP.c.id == INV.c.resource_provider_id))
                .where(RP.c.root_provider_id.in_(select(roots.c.id)), cond)
                for k, cond in enumerate(conds)
            ]
        )
        rows = list(await session.execute(per_pair))
        trees: dict[int, list[list[tuple[int, float]]]] = {}
        for k, rp_id, root_id, left in rows:
            trees.setdefault(root_id, [[] for _ in pairs])[k].append((rp_id, left))
        if not trees:
            break
        tree_providers = await _tree_providers(session, sorted(trees))
        provider_map.update(tree_providers)
        trait_map.update(await traits.of_providers(session, sorted(tree_providers)))
        for root_id in sorted(trees):
            for cand in _combine(q, pairs, trees[root_id], provider_map, trait_map):
                out.append(cand)
                if q.limit is not None and len(out) >= q.limit:
                    break
            if q.limit is not None and len(out) >= q.limit:
                break
        after = max(trees)
        if page is None or len(trees) < page or (q.limit is not None and len(out) >= q.limit):
            break

    used_trees = {provider_map[rp].root_id for c in out for rp in c.allocations}
    summary_ids = sorted(
        rp
        for rp, p in provider_map.items()
        if (p.root_id in used_trees if q.nested else any(rp in c.allocations for c in out))
    )
    inv_map = await inventories.for_providers(session, summary_ids)
    keep = set(summary_ids)
    return Result(
        out,
        {k: v for k, v in provider_map.items() if k in keep},
        inv_map,
        {k: v for k, v in trait_map.items() if k in keep},
    )


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


async def _tree_providers(session: AsyncSession, root_ids: list[int]) -> dict[int, providers.Provider]:
    out: dict[int, providers.Provider] = {}
    for start in range(0, len(root_ids), 5000):
        out.update((p.id, p) for p in await providers.in_trees(session, root_ids[start : start + 5000]))
    return out


def _combine(
    q: CandidateQuery,
    pairs: list[_Pair],
    per_pair: list[list[tuple[int, float]]],
    provider_map: dict[int, providers.Provider],
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


def _same_subtree_ok(
    q: CandidateQuery, mappings: dict[str, list[int]], provider_map: dict[int, providers.Provider]
) -> bool:
    if not q.same_subtree:
        return True
    parent_of = {p.id: p.parent_provider_uuid for p in provider_map.values()}
    id_of = {p.uuid: p.id for p in provider_map.values()}
    for suffixes in q.same_subtree:
        members = {rp for s in suffixes for rp in mappings.get(s, [])}
        if not members:
            continue
        if not any(all(_is_under(m, top, parent_of, id_of) for m in members) for top in members):
            return False
    return True


def _is_under(rp: int, top: int, parent_of: dict[int, str | None], id_of: dict[str, int]) -> bool:
    node: int | None = rp
    while node is not None:
        if node == top:
            return True
        parent = parent_of.get(node)
        node = id_of.get(parent) if parent else None
    return False
