"""Clients of the other services' APIs (placement, image, network), over runtime.http().

Calls made on the cloud's own behalf carry the service token as X-Auth-Token; calls
made for a user carry the user's token plus the service token (X-Service-Token), so a
user token that expires mid-build does not fail the build.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound, PocketError, Unavailable
from pocketstack.runtime import Runtime
from pocketstack.web.paths import segment

log = logging.getLogger(__name__)

PLACEMENT_VERSION = "placement 1.36"


def _service_missing(resp: httpx.Response, service: str) -> bool:
    """True when the endpoint has no such service mounted (or it is not built yet)."""
    if resp.status_code == 503:
        return True
    if resp.status_code == 404:
        try:
            body = resp.json()
        except ValueError:
            return False
        return isinstance(body, dict) and "No service at" in str(body.get("error", {}).get("message", ""))
    return False


class _Client:
    service = ""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = self.runtime.http()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _request(self, method: str, path: str, *, headers: dict[str, str], **kw: Any) -> httpx.Response:
        try:
            resp = await self.http.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise Unavailable(f"The {self.service} service could not be reached: {exc}") from None
        if _service_missing(resp, self.service):
            raise Unavailable(f"The {self.service} service is not available in this cloud.")
        return resp


def _port_error(resp: httpx.Response, what: str) -> PocketError:
    """The network service's refusal as the caller's error: its 4xx are the request's
    fault (an address in use, a network not found, a quota), anything else is ours."""
    text = f"The network service {what}: {_error_text(resp)}"
    if resp.status_code == 409:
        return Conflict(text)
    if resp.status_code == 404:
        return NotFound(text)
    if resp.status_code in (400, 413):
        return Invalid(text)
    return Unavailable(text)


def _error_text(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:300]
    if isinstance(body, dict):
        if body.get("errors"):
            return str(body["errors"][0].get("detail", ""))
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return str(body)[:300]


class PlacementClient(_Client):
    service = "placement"

    async def _headers(self) -> dict[str, str]:
        return {"X-Auth-Token": await self.runtime.service_token(), "OpenStack-API-Version": PLACEMENT_VERSION}

    async def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self._request(method, "/placement" + path, headers=await self._headers(), **kw)

    async def ensure_provider(self, uuid: str, name: str) -> None:
        resp = await self._call("GET", f"/resource_providers/{segment(uuid)}")
        if resp.status_code == 200:
            return
        resp = await self._call("POST", "/resource_providers", json={"uuid": uuid, "name": name})
        if resp.status_code not in (200, 201, 409):
            raise Unavailable(f"placement refused resource provider {name}: {_error_text(resp)}")

    async def set_inventory(self, uuid: str, inventories: dict[str, dict[str, Any]]) -> None:
        """Replace the provider's inventory, retrying generation conflicts."""
        for _ in range(10):
            resp = await self._call("GET", f"/resource_providers/{segment(uuid)}")
            if resp.status_code != 200:
                raise Unavailable(f"placement has no resource provider {uuid}: {_error_text(resp)}")
            generation = resp.json()["generation"]
            body = {"resource_provider_generation": generation, "inventories": inventories}
            resp = await self._call("PUT", f"/resource_providers/{segment(uuid)}/inventories", json=body)
            if resp.status_code == 200:
                return
            if resp.status_code != 409:
                raise Unavailable(f"placement refused the inventory of {uuid}: {_error_text(resp)}")
            await asyncio.sleep(0.01)
        raise Conflict(f"placement inventory of {uuid} kept changing under us")

    async def candidates(self, resources: dict[str, int], limit: int | None = None) -> dict[str, Any]:
        """GET /allocation_candidates: ``{"allocation_requests": [...], "provider_summaries": {...}}``."""
        query = ",".join(f"{k}:{v}" for k, v in resources.items() if v)
        params: dict[str, Any] = {"resources": query}
        if limit:
            params["limit"] = limit
        resp = await self._call("GET", "/allocation_candidates", params=params)
        if resp.status_code != 200:
            raise Unavailable(f"placement could not list allocation candidates: {_error_text(resp)}")
        data: dict[str, Any] = resp.json()
        return data

    async def claim(self, consumer: str, allocations: dict[str, Any], project_id: str, user_id: str) -> bool:
        """PUT /allocations/{consumer}; False if placement refused (capacity or a race lost)."""
        body = {"allocations": allocations, "project_id": project_id, "user_id": user_id, "consumer_generation": None}
        for _ in range(3):
            resp = await self._call("PUT", f"/allocations/{segment(consumer)}", json=body)
            if resp.status_code == 204:
                return True
            if resp.status_code != 409:
                raise Unavailable(f"placement refused the claim for {consumer}: {_error_text(resp)}")
            code = ""
            try:
                code = resp.json()["errors"][0].get("code", "")
            except (ValueError, KeyError, IndexError, TypeError):
                pass
            # A generation race is worth retrying; "not enough capacity" is not.
            if code != "placement.concurrent_update":
                return False
        return False

    async def allocations_of(self, consumer: str) -> dict[str, Any]:
        """GET /allocations/{consumer}: ``{"allocations": {rp: {"resources"}}, "consumer_generation", ...}``."""
        resp = await self._call("GET", f"/allocations/{segment(consumer)}")
        if resp.status_code != 200:
            raise Unavailable(f"placement could not list the allocations of {consumer}: {_error_text(resp)}")
        data: dict[str, Any] = resp.json()
        return data

    async def move_allocations(self, source: str, target: str, project_id: str, user_id: str) -> bool:
        """Give ``target`` (a consumer with no allocations) what ``source`` holds, in one
        POST /allocations (Nova's move to and from a migration consumer); False if
        ``source`` holds nothing."""
        held = await self.allocations_of(source)
        allocations = {rp: {"resources": a["resources"]} for rp, a in (held.get("allocations") or {}).items()}
        if not allocations:
            return False
        existing = await self.allocations_of(target)
        body = {
            target: {
                "allocations": allocations,
                "project_id": project_id,
                "user_id": user_id,
                "consumer_generation": existing.get("consumer_generation"),
            },
            source: {
                "allocations": {},
                "project_id": held.get("project_id") or project_id,
                "user_id": held.get("user_id") or user_id,
                "consumer_generation": held.get("consumer_generation"),
            },
        }
        resp = await self._call("POST", "/allocations", json=body)
        if resp.status_code != 204:
            raise Conflict(f"placement could not move the allocations of {source} to {target}: {_error_text(resp)}")
        return True

    async def delete_allocations(self, consumer: str) -> None:
        resp = await self._call("DELETE", f"/allocations/{segment(consumer)}")
        if resp.status_code not in (204, 404):
            raise Unavailable(f"placement could not release {consumer}: {_error_text(resp)}")


# How long an image's details, as one user token saw them, may be reused by the build
# that the same request started (the API validated them moments before).
IMAGE_REUSE_SECONDS = 5.0
IMAGE_CACHE_SIZE = 1024


class ImageClient(_Client):
    service = "image"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        # (image id, user token) -> (monotonic time fetched, details)
        self._recent: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    async def get(
        self, image_id: str, user_token: str | None, service_token: str | None = None, *, reuse: bool = False
    ) -> dict[str, Any]:
        """The image's details as the user sees them. With ``reuse`` (the compute agent's
        build), details this same user token fetched within IMAGE_REUSE_SECONDS are
        returned without asking again: the API fetched and checked them for this very
        launch, and keying on the token keeps the user's visibility. The API's own
        checks always ask the image service."""
        key = (image_id, user_token or "")
        now = time.monotonic()
        if reuse:
            hit = self._recent.get(key)
            if hit is not None and now - hit[0] < IMAGE_REUSE_SECONDS:
                return dict(hit[1])
        data = await self._fetch(image_id, user_token, service_token)
        if len(self._recent) >= IMAGE_CACHE_SIZE:
            self._recent = {k: v for k, v in self._recent.items() if now - v[0] < IMAGE_REUSE_SECONDS}
            if len(self._recent) >= IMAGE_CACHE_SIZE:
                self._recent.clear()
        self._recent[key] = (now, data)
        return dict(data)

    async def _fetch(self, image_id: str, user_token: str | None, service_token: str | None) -> dict[str, Any]:
        headers = {"X-Auth-Token": user_token or ""}
        if service_token:
            headers["X-Service-Token"] = service_token
        resp = await self._request("GET", f"/image/v2/images/{segment(image_id)}", headers=headers)
        if resp.status_code == 404:
            raise NotFound(f"Image {image_id} could not be found.")
        if resp.status_code != 200:
            raise Unavailable(
                f"The image service answered {resp.status_code} for image {image_id}: {_error_text(resp)}"
            )
        data: dict[str, Any] = resp.json()
        return data

    def _user_headers(self, user_token: str | None, service_token: str | None) -> dict[str, str]:
        headers = {"X-Auth-Token": user_token or service_token or ""}
        if service_token:
            headers["X-Service-Token"] = service_token
        return headers

    async def create(self, body: dict[str, Any], user_token: str | None) -> dict[str, Any]:
        """POST /v2/images (a queued record); the image service's 4xx comes back as ours."""
        resp = await self._request("POST", "/image/v2/images", headers=self._user_headers(user_token, None), json=body)
        if resp.status_code == 201:
            data: dict[str, Any] = resp.json()
            return data
        if resp.status_code in (400, 409, 413):
            raise Invalid(f"The image service refused the snapshot image: {_error_text(resp)}")
        if resp.status_code == 403:
            raise Forbidden(f"The image service refused the snapshot image: {_error_text(resp)}")
        raise Unavailable(f"The image service answered {resp.status_code}: {_error_text(resp)}")

    async def set_formats(
        self, image_id: str, disk_format: str, container_format: str, user_token: str | None, service_token: str | None
    ) -> None:
        patch = [
            {"op": "replace", "path": "/disk_format", "value": disk_format},
            {"op": "replace", "path": "/container_format", "value": container_format},
        ]
        headers = {
            **self._user_headers(user_token, service_token),
            "Content-Type": "application/openstack-images-v2.1-json-patch",
        }
        resp = await self._request("PATCH", f"/image/v2/images/{segment(image_id)}", headers=headers, json=patch)
        if resp.status_code != 200:
            raise Unavailable(f"The image service refused the formats of image {image_id}: {_error_text(resp)}")

    async def upload(
        self,
        image_id: str,
        chunks: AsyncIterator[bytes],
        size: int,
        user_token: str | None,
        service_token: str | None,
    ) -> None:
        """PUT /v2/images/{id}/file, streamed from ``chunks`` (never all in memory)."""
        headers = {
            **self._user_headers(user_token, service_token),
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
        }
        resp = await self._request(
            "PUT", f"/image/v2/images/{segment(image_id)}/file", headers=headers, content=chunks, timeout=None
        )
        if resp.status_code != 204:
            raise Unavailable(f"The upload of image {image_id} failed ({resp.status_code}): {_error_text(resp)}")

    async def find(
        self, filters: dict[str, str], user_token: str | None, service_token: str | None
    ) -> list[dict[str, Any]]:
        """GET /v2/images with these filters (extra properties included), newest first."""
        params = {**filters, "sort_key": "created_at", "sort_dir": "desc", "limit": "1000"}
        resp = await self._request(
            "GET", "/image/v2/images", headers=self._user_headers(user_token, service_token), params=params
        )
        if resp.status_code != 200:
            raise Unavailable(f"The image service answered {resp.status_code}: {_error_text(resp)}")
        images: list[dict[str, Any]] = resp.json().get("images", [])
        return images

    async def list_for_user(self, params: dict[str, str], user_token: str | None) -> list[dict[str, Any]]:
        """One page of GET /v2/images as the user sees it (the images proxy)."""
        resp = await self._request(
            "GET", "/image/v2/images", headers=self._user_headers(user_token, None), params=params
        )
        if resp.status_code == 400:
            raise Invalid(_error_text(resp))
        if resp.status_code == 404:
            raise NotFound(_error_text(resp))
        if resp.status_code != 200:
            raise Unavailable(f"The image service answered {resp.status_code}: {_error_text(resp)}")
        images: list[dict[str, Any]] = resp.json().get("images", [])
        return images

    async def delete_for_user(self, image_id: str, user_token: str | None) -> None:
        """DELETE /v2/images/{id} for the user; the image service's refusal as ours."""
        resp = await self._request(
            "DELETE", f"/image/v2/images/{segment(image_id)}", headers=self._user_headers(user_token, None)
        )
        if resp.status_code == 204:
            return
        if resp.status_code == 404:
            raise NotFound(f"Image {image_id} could not be found.")
        if resp.status_code == 403:
            raise Forbidden(f"Unable to delete image {image_id}: {_error_text(resp)}")
        if resp.status_code == 409:
            raise Conflict(_error_text(resp))
        raise Unavailable(f"The image service answered {resp.status_code}: {_error_text(resp)}")

    async def patch_for_user(self, image_id: str, ops: list[dict[str, Any]], user_token: str | None) -> dict[str, Any]:
        """PATCH /v2/images/{id} (JSON patch) for the user; the updated image."""
        headers = {
            **self._user_headers(user_token, None),
            "Content-Type": "application/openstack-images-v2.1-json-patch",
        }
        resp = await self._request("PATCH", f"/image/v2/images/{segment(image_id)}", headers=headers, json=ops)
        if resp.status_code == 200:
            data: dict[str, Any] = resp.json()
            return data
        if resp.status_code == 404:
            raise NotFound(f"Image {image_id} could not be found.")
        if resp.status_code == 403:
            raise Forbidden(_error_text(resp))
        if resp.status_code in (400, 409, 413):
            raise Invalid(_error_text(resp))
        raise Unavailable(f"The image service answered {resp.status_code}: {_error_text(resp)}")

    async def delete(self, image_id: str, user_token: str | None, service_token: str | None) -> None:
        resp = await self._request(
            "DELETE", f"/image/v2/images/{segment(image_id)}", headers=self._user_headers(user_token, service_token)
        )
        if resp.status_code not in (204, 404):
            log.warning("could not delete image %s: %s", image_id, _error_text(resp))


class NetworkClient(_Client):
    service = "network"

    async def _call(self, method: str, path: str, user_token: str | None, **kw: Any) -> httpx.Response:
        headers = {"X-Auth-Token": user_token or await self.runtime.service_token()}
        if user_token:
            headers["X-Service-Token"] = await self.runtime.service_token()
        return await self._request(method, "/network/v2.0" + path, headers=headers, **kw)

    async def get_network(self, network_id: str, user_token: str | None) -> dict[str, Any]:
        resp = await self._call("GET", f"/networks/{segment(network_id)}", user_token)
        if resp.status_code == 404:
            raise Invalid(f"Network {network_id} could not be found.")
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        network: dict[str, Any] = resp.json()["network"]
        return network

    async def available_networks(self, project_id: str, user_token: str | None) -> list[dict[str, Any]]:
        own = await self._call("GET", "/networks", user_token, params={"project_id": project_id})
        shared = await self._call("GET", "/networks", user_token, params={"shared": "true"})
        found: dict[str, dict[str, Any]] = {}
        for resp in (own, shared):
            if resp.status_code == 200:
                for net in resp.json().get("networks", []):
                    if not net.get("router:external"):
                        found[net["id"]] = net
        return list(found.values())

    async def auto_allocated_network(self, project_id: str, user_token: str | None) -> str:
        """The project's auto-allocated network ("get me a network"), made on first use."""
        resp = await self._call("GET", f"/auto-allocated-topology/{segment(project_id)}", user_token)
        if resp.status_code != 200:
            raise Unavailable(
                f"Unable to automatically allocate a network for project {project_id}: {_error_text(resp)}"
            )
        return str(resp.json()["auto_allocated_topology"]["id"])

    async def ports_of(self, device_id: str, user_token: str | None) -> list[dict[str, Any]]:
        """The ports whose device is ``device_id`` (a server's interfaces)."""
        resp = await self._call("GET", "/ports", user_token, params={"device_id": device_id})
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        ports: list[dict[str, Any]] = resp.json().get("ports", [])
        return ports

    async def floating_ips_of(self, port_id: str, user_token: str | None) -> list[dict[str, Any]]:
        """The floating IPs mapped to ``port_id``."""
        resp = await self._call("GET", "/floatingips", user_token, params={"port_id": port_id})
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        fips: list[dict[str, Any]] = resp.json().get("floatingips", [])
        return fips

    async def get_port(self, port_id: str, user_token: str | None) -> dict[str, Any]:
        resp = await self._call("GET", f"/ports/{segment(port_id)}", user_token)
        if resp.status_code == 404:
            raise Invalid(f"Port {port_id} could not be found.")
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        port: dict[str, Any] = resp.json()["port"]
        return port

    async def create_port(self, body: dict[str, Any], user_token: str | None) -> dict[str, Any]:
        resp = await self._call("POST", "/ports", user_token, json={"port": body})
        if resp.status_code != 201:
            raise _port_error(resp, "could not create a port")
        port: dict[str, Any] = resp.json()["port"]
        return port

    async def update_port(self, port_id: str, body: dict[str, Any], user_token: str | None) -> dict[str, Any]:
        resp = await self._call("PUT", f"/ports/{segment(port_id)}", user_token, json={"port": body})
        if resp.status_code != 200:
            raise _port_error(resp, f"could not update port {port_id}")
        port: dict[str, Any] = resp.json()["port"]
        return port

    async def security_group_ids(self, project_id: str, wanted: list[str], user_token: str | None) -> list[str]:
        """The ids of the project's security groups named (by name or id) in ``wanted``,
        in that order; a group that is not there is a 400, as Nova answers."""
        resp = await self._call("GET", "/security-groups", user_token, params={"project_id": project_id})
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        groups = resp.json().get("security_groups", [])
        by_name: dict[str, list[str]] = {}
        for g in groups:
            by_name.setdefault(g.get("name") or "", []).append(g["id"])
        ids = {g["id"] for g in groups}
        out: list[str] = []
        for item in wanted:
            if item in ids:
                out.append(item)
            elif len(by_name.get(item, [])) == 1:
                out.append(by_name[item][0])
            elif by_name.get(item):
                raise Invalid(f"Multiple security groups found matching '{item}'. Use an ID to be more specific.")
            else:
                raise Invalid(f"Security group {item} not found for project {project_id}.")
        return out

    async def get_security_group(self, group_id: str, user_token: str | None) -> dict[str, Any]:
        resp = await self._call("GET", f"/security-groups/{segment(group_id)}", user_token)
        if resp.status_code != 200:
            raise Unavailable(f"The network service answered {resp.status_code}: {_error_text(resp)}")
        group: dict[str, Any] = resp.json()["security_group"]
        return group

    async def for_user(self, method: str, path: str, user_token: str | None, **kw: Any) -> dict[str, Any]:
        """A call to the network API on the user's behalf (the proxy APIs): its body, or
        its refusal as ours (404 NotFound, 409 Conflict, 403 Forbidden, other 4xx Invalid)."""
        resp = await self._call(method, path, user_token, **kw)
        if resp.status_code < 300:
            data: dict[str, Any] = resp.json() if resp.content else {}
            return data
        text = _error_text(resp)
        if resp.status_code == 404:
            raise NotFound(text)
        if resp.status_code == 409:
            raise Conflict(text)
        if resp.status_code == 403:
            raise Forbidden(text)
        if 400 <= resp.status_code < 500:
            raise Invalid(text)
        raise Unavailable(f"The network service answered {resp.status_code}: {text}")

    async def delete_port(self, port_id: str) -> None:
        resp = await self._call("DELETE", f"/ports/{segment(port_id)}", None)
        if resp.status_code not in (204, 404):
            log.warning("could not delete port %s: %s", port_id, _error_text(resp))
