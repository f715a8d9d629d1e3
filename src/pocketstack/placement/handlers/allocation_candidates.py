"""GET /allocation_candidates (1.10+): which providers could satisfy a request."""

from __future__ import annotations

import re
from typing import Any

from pocketstack.common import errors as e
from pocketstack.placement.handlers import common, qparams
from pocketstack.placement.objects import candidates
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response

_NUMERIC = re.compile(r"^(resources|required|member_of|in_tree)([1-9][0-9]*)?$")
_ANY = re.compile(r"^(resources|required|member_of|in_tree)([a-zA-Z0-9_-]{1,64})?$")


async def list_candidates(request: Request) -> Response:
    common.need(request, "1.10")
    common.authorize(request, "placement:allocation_candidates:list")
    q = parse(request)
    async with common.db(request).reader() as session:
        result = await candidates.find(session, q)
    return common.respond(request, serialize(request, q, result))


def _allowed_globals(request: Request) -> set[str]:
    allowed = set()
    for key, minimum in (
        ("limit", "1.16"),
        ("group_policy", "1.25"),
        ("root_required", "1.35"),
        ("same_subtree", "1.36"),
    ):
        if at_least(request, minimum):
            allowed.add(key)
    return allowed


def parse(request: Request) -> candidates.CandidateQuery:
    """The query string as a CandidateQuery, with Placement's rules per microversion."""
    globals_ = _allowed_globals(request)
    pattern = _ANY if at_least(request, "1.33") else _NUMERIC if at_least(request, "1.25") else None
    groups: dict[str, candidates.RequestGroup] = {}
    for key, values in request.query.items():
        if key in globals_:
            continue
        m = pattern.match(key) if pattern else None
        base, suffix = (m.group(1), m.group(2) or "") if m else (key, "")
        gated = {"required": "1.17", "member_of": "1.21", "in_tree": "1.31"}
        if (m is None and key != "resources" and (key not in gated or not at_least(request, gated[key]))) or (
            base in gated and not at_least(request, gated[base])
        ):
            raise e.Invalid(
                f"Invalid query string parameters: Additional properties are not allowed ('{key}' was unexpected)",
                kind=common.BAD_VALUE,
            )
        g = groups.setdefault(suffix, candidates.RequestGroup(suffix))
        _fill(request, g, base, key, values)
    for suffix, g in groups.items():
        if not g.resources:
            if suffix:
                raise e.Invalid(
                    f"All request groups must specify resources: resources{suffix} is missing.",
                    kind="placement.query.missing_value",
                )
            if not [s for s in groups if s]:
                raise e.Invalid(
                    "Invalid query string parameters: 'resources' is a required property",
                    kind="placement.query.missing_value",
                )
    if "" in groups and not groups[""].resources:
        # Unsuffixed traits/aggregates without unsuffixed resources: Placement applies
        # them to the whole request; here they constrain every group.
        extra = groups.pop("")
        for g in groups.values():
            g.required |= extra.required
            g.forbidden |= extra.forbidden
            g.any_of += extra.any_of
            g.member_of.any_of += extra.member_of.any_of
            g.member_of.forbidden |= extra.member_of.forbidden
            g.in_tree = g.in_tree or extra.in_tree
    if not groups:
        raise e.Invalid(
            "Invalid query string parameters: 'resources' is a required property", kind="placement.query.missing_value"
        )
    q = candidates.CandidateQuery(
        sorted(groups.values(), key=lambda g: (g.suffix != "", g.suffix)), nested=at_least(request, "1.29")
    )
    _globals(request, q)
    return q


def _fill(request: Request, g: candidates.RequestGroup, base: str, key: str, values: list[str]) -> None:
    if base == "resources":
        if len(values) > 1:
            raise e.Invalid(f"Query parameter {key!r} may be given only once.", kind="placement.query.duplicate_key")
        g.resources = qparams.resources(values[0], key)
    elif base == "required":
        g.required, g.any_of, g.forbidden = qparams.traits(
            values, key, forbidden_ok=at_least(request, "1.22"), any_ok=at_least(request, "1.39")
        )
    elif base == "member_of":
        g.member_of = qparams.member_of(
            values, key, many_ok=at_least(request, "1.24"), forbidden_ok=at_least(request, "1.32")
        )
    elif base == "in_tree":
        if len(values) > 1:
            raise e.Invalid(f"Query parameter {key!r} may be given only once.", kind="placement.query.duplicate_key")
        g.in_tree = common.check_uuid(values[0], key)


def _globals(request: Request, q: candidates.CandidateQuery) -> None:
    if request.param("limit") is not None and "limit" in _allowed_globals(request):
        q.limit = request.int_param("limit", minimum=1)
    suffixed = [g for g in q.groups if g.suffix]
    policy = request.param("group_policy")
    if policy is not None and "group_policy" in _allowed_globals(request):
        if policy not in ("none", "isolate"):
            raise e.Invalid(f"Invalid group_policy {policy!r}: expected 'none' or 'isolate'.", kind=common.BAD_VALUE)
        q.group_policy = policy
    elif len(suffixed) > 1 and at_least(request, "1.25"):
        raise e.Invalid(
            'The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.',
            kind="placement.query.missing_value",
        )
    if request.params("root_required") and at_least(request, "1.35"):
        q.root_required, q.root_any_of, q.root_forbidden = qparams.traits(
            request.params("root_required"), "root_required", forbidden_ok=True, any_ok=at_least(request, "1.39")
        )
    if at_least(request, "1.36"):
        known = {g.suffix for g in q.groups}
        for value in request.params("same_subtree"):
            suffixes = [s.strip() for s in value.split(",")]
            unknown = [s for s in suffixes if s not in known]
            if unknown or "" in suffixes:
                raise e.Invalid(f"Real suffixes should be specified in same_subtree: {value}", kind=common.BAD_VALUE)
            q.same_subtree.append(suffixes)


def serialize(request: Request, q: candidates.CandidateQuery, result: candidates.Result) -> dict[str, Any]:
    # Version flags once: this loops over up to thousands of candidates.
    dict_form, with_mappings = at_least(request, "1.12"), at_least(request, "1.34")
    all_classes, with_traits, with_tree = (
        at_least(request, "1.27"),
        at_least(request, "1.17"),
        at_least(request, "1.29"),
    )
    uuid_of = {rp: p.uuid for rp, p in result.providers.items()}
    requests: list[dict[str, Any]] = []
    for c in result.candidates:
        if dict_form:
            item: dict[str, Any] = {
                "allocations": {uuid_of[rp]: {"resources": res} for rp, res in c.allocations.items()}
            }
            if with_mappings:
                item["mappings"] = {s: [uuid_of[rp] for rp in rps] for s, rps in c.mappings.items()}
        else:
            item = {
                "allocations": [
                    {"resource_provider": {"uuid": uuid_of[rp]}, "resources": res} for rp, res in c.allocations.items()
                ]
            }
        requests.append(item)
    requested = {rc for g in q.groups for rc in g.resources}
    summaries: dict[str, Any] = {}
    no_traits: set[str] = set()
    # Providers of one hardware model have identical inventories: build each view once.
    views: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rp, p in result.providers.items():
        invs = result.inventories.get(rp, {})
        key = tuple(invs.items())
        resources = views.get(key)
        if resources is None:
            resources = views[key] = {
                rc: {"capacity": int((total - reserved) * ratio), "used": used}
                for rc, (total, reserved, _lo, _hi, _step, ratio, used) in invs.items()
                if all_classes or rc in requested
            }
        summary: dict[str, Any] = {"resources": resources}
        if with_traits:
            summary["traits"] = sorted(result.traits.get(rp, no_traits))
        if with_tree:
            summary["parent_provider_uuid"] = result.uuid_of(p.parent_id)
            summary["root_provider_uuid"] = result.uuid_of(p.root_id)
        summaries[p.uuid] = summary
    return {"allocation_requests": requests, "provider_summaries": summaries}
