"""The request bodies of the object storage API, for its OpenAPI document.

Swift's bodies are object data (any bytes), SLO manifests and bulk-delete lists, none
of them a JSON document validated by a schema: nothing is declared here.
"""

from __future__ import annotations

from pocketstack.web.openapi import RequestBodies

REQUEST_BODIES: RequestBodies = {}
