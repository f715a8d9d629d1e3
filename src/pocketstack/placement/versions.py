"""Placement microversions this service honours (``OpenStack-API-Version: placement X.Y``).

What each version changes here, following Placement's own history:

1.0  providers, inventories, allocations (list form), usages
1.1  provider aggregates            1.2  custom resource classes (PUT renames)
1.3  member_of on GET /resource_providers   1.4  resources filter on GET /resource_providers
1.5  DELETE all inventories of a provider   1.6  traits and provider traits
1.7  PUT /resource_classes/{name} creates without a body (201/204)
1.8  project_id/user_id required on PUT /allocations   1.9  GET /usages
1.10 GET /allocation_candidates     1.11 "allocations" link on providers
1.12 dict form of allocations in PUT/GET /allocations and allocation_requests
1.13 POST /allocations (many consumers)   1.14 parent/root providers, in_tree filter
1.15 last-modified and cache-control headers   1.16 limit on candidates
1.17 required traits on candidates, traits in summaries   1.18 required on providers
1.19 generation in provider aggregates (and conflict detection)
1.20 POST /resource_providers answers 200 with the provider
1.21 member_of on candidates   1.22 forbidden traits (!TRAIT)   1.23 error codes
1.24 repeated member_of (AND)  1.25 granular groups (resourcesN, requiredN, group_policy)
1.26 reserved may equal total  1.27 all classes in provider summaries
1.28 consumer generations      1.29 nested providers in candidates; parent/root in summaries
1.30 POST /reshaper            1.31 in_tree on candidates   1.32 forbidden aggregates (!in:)
1.33 any group suffix          1.34 mappings in allocation requests
1.35 root_required             1.36 same_subtree
1.37 re-parenting and un-parenting providers   1.38 consumer types   1.39 any-traits (in:)
"""

from __future__ import annotations

import functools

from pocketstack.web.microversion import Microversions, Version
from pocketstack.web.request import Request

MAX = "1.39"
MICROVERSIONS = Microversions("placement", Version(1, 0), Version.parse(MAX))


def version(request: Request) -> Version:
    v = request.state.get("version")
    return v if isinstance(v, Version) else MICROVERSIONS.minimum


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> Version:
    return Version.parse(text)


def at_least(request: Request, text: str) -> bool:
    return version(request) >= _parse(text)
