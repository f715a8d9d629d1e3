"""The network topology, drawn as SVG from the network and compute APIs: external
networks, routers, networks with their subnets, instances with their ports' addresses
and floating IPs, in four columns joined by lines.

``graph()`` builds the nodes and links (plain data, testable); ``svg()`` lays them
out. Every node links to its page. The page's script re-fetches the SVG to stay live.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from pocketstack.client import Clients
from pocketstack.dashboard.app import PREFIX, Call
from pocketstack.web.response import Response

COLUMNS = ("external", "router", "network", "instance")
COLUMN_X = {"external": 20, "router": 250, "network": 480, "instance": 760}
WIDTH = {"external": 180, "router": 160, "network": 220, "instance": 260}
ROW = 18
GAP = 16


@dataclass
class Node:
    id: str
    kind: str  # one of COLUMNS
    title: str
    lines: list[str] = field(default_factory=list)
    href: str = ""
    status: str = ""


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    label: str = ""


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)


# Statuses the drawing marks (an unmarked instance is ACTIVE or in another steady state):
# asked for by status, so that the whole list can be the cheap summary listing.
MARKED = ("BUILD", "ERROR", "SHUTOFF")
PORT_FIELDS = ["id", "device_id", "device_owner", "network_id", "fixed_ips"]


async def graph(api: Clients) -> Graph:
    (networks, subnets, routers, ports, floating), (listed, *marked) = await asyncio.gather(
        asyncio.gather(
            api.network.networks(),
            api.network.subnets(),
            api.network.routers(),
            api.network.ports(fields=PORT_FIELDS),
            api.network.floating_ips(),
        ),
        asyncio.gather(
            api.compute.get("/servers", limit=1000),
            *(api.compute.servers(status=status, limit=1000) for status in MARKED),
        ),
    )
    marks = {server["id"]: server["status"] for group in marked for server in group}
    servers = [{**server, "status": marks.get(server["id"], "")} for server in listed["servers"]]
    cidrs = {s["id"]: s["cidr"] for s in subnets}
    result = Graph()
    for net in networks:
        kind = "external" if net.get("router:external") else "network"
        lines = [cidrs.get(sid, "") for sid in net.get("subnets") or []]
        result.nodes[net["id"]] = Node(net["id"], kind, net.get("name") or net["id"][:8], lines, f"{PREFIX}/networks")
    for router in routers:
        gateway = router.get("external_gateway_info") or {}
        lines = [ip["ip_address"] for ip in gateway.get("external_fixed_ips") or []]
        result.nodes[router["id"]] = Node(
            router["id"],
            "router",
            router.get("name") or router["id"][:8],
            lines,
            f"{PREFIX}/networks",
            status=router.get("status", ""),
        )
        if gateway.get("network_id") in result.nodes:
            result.links.append(Link(router["id"], gateway["network_id"], ", ".join(lines)))
    fips: dict[str, list[str]] = {}
    for fip in floating:
        if fip.get("port_id"):
            fips.setdefault(fip["port_id"], []).append(fip["floating_ip_address"])
    for server in servers:
        result.nodes[server["id"]] = Node(
            server["id"],
            "instance",
            server.get("name") or server["id"][:8],
            [],
            f"{PREFIX}/instances/{server['id']}",
            status=server.get("status", ""),
        )
    for port in ports:
        owner = port.get("device_owner") or ""
        device, network_id = port.get("device_id") or "", port["network_id"]
        ips = [ip["ip_address"] for ip in port.get("fixed_ips") or []]
        if owner == "network:router_interface" and device in result.nodes and network_id in result.nodes:
            result.links.append(Link(device, network_id, ", ".join(ips)))
        elif device in result.nodes and result.nodes[device].kind == "instance" and network_id in result.nodes:
            node = result.nodes[device]
            label = ", ".join(ips)
            node.lines.append(label + ("  ⇄ " + ", ".join(fips[port["id"]]) if port["id"] in fips else ""))
            result.links.append(Link(device, network_id, label))
    return result


# A network with more instances than this shows them as one group node (click to expand).
GROUP_LIMIT = 12


def grouped(data: Graph, expand: str = "", limit: int = GROUP_LIMIT) -> Graph:
    """``data`` with each network's instances past ``limit`` folded into one node
    counting them by status (an instance belongs to the first network it links to);
    the network ``expand`` keeps its instances."""
    first: dict[str, str] = {}
    for link in data.links:
        if data.nodes[link.source].kind == "instance":
            first.setdefault(link.source, link.target)
    members: dict[str, list[str]] = {}
    for instance, network in first.items():
        members.setdefault(network, []).append(instance)
    folded = {net: ids for net, ids in members.items() if len(ids) > limit and net != expand}
    if not folded:
        return data
    hidden = {i for ids in folded.values() for i in ids}
    result = Graph(
        nodes={k: v for k, v in data.nodes.items() if k not in hidden},
        links=[link for link in data.links if link.source not in hidden],
    )
    for network, ids in folded.items():
        counts: dict[str, int] = {}
        for i in ids:
            status = data.nodes[i].status
            if status and status != "ACTIVE":
                counts[status] = counts.get(status, 0) + 1
        steady = len(ids) - sum(counts.values())
        parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        summary = " · ".join([*parts, f"{steady} other"] if parts else ["none building, failed or off"])
        node = Node(
            f"group:{network}",
            "instance",
            f"{len(ids)} instances",
            [summary, "click to show them"],
            f"{PREFIX}/topology?expand={network}",
            status="ERROR" if "ERROR" in counts else "",
        )
        result.nodes[node.id] = node
        result.links.append(Link(node.id, network, f"{len(ids)} instances"))
    return result


def _ordered(data: Graph) -> list[Node]:
    """Column by column, each node near what it links to on its left: routers by their
    external network, networks by their first router, instances by their first network
    (so that lines stay short and an instance sits beside its network)."""
    neighbours: dict[str, list[str]] = {}
    for link in data.links:
        neighbours.setdefault(link.source, []).append(link.target)
        neighbours.setdefault(link.target, []).append(link.source)
    rank: dict[str, tuple[int, ...]] = {}
    ordered: list[Node] = []
    for column, kind in enumerate(COLUMNS):
        nodes = [n for n in data.nodes.values() if n.kind == kind]

        def key(node: Node, column: int = column) -> tuple[Any, ...]:
            left = [rank[n] for n in neighbours.get(node.id, []) if n in rank and rank[n][0] < column]
            return (min(left) if left else (column + 1,), _natural(node.title), node.id)

        nodes.sort(key=key)
        for i, node in enumerate(nodes):
            rank[node.id] = (column, i)
        ordered.extend(nodes)
    return ordered


def _natural(text: str) -> tuple[Any, ...]:
    """``net2`` before ``net10``: digit runs compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _box_height(node: Node) -> int:
    return 26 + ROW * max(1, len(node.lines))


def svg(data: Graph) -> str:
    """The graph as an SVG document (columns, boxes, links); empty columns keep their place."""
    y = {kind: 40 for kind in COLUMNS}
    places: dict[str, tuple[int, int, int]] = {}
    for node in _ordered(data):
        height = _box_height(node)
        places[node.id] = (COLUMN_X[node.kind], y[node.kind], height)
        y[node.kind] += height + GAP
    total_height = max(y.values()) + 20
    total_width = COLUMN_X["instance"] + WIDTH["instance"] + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" viewBox="0 0 {total_width} {total_height}" '
        f'width="{total_width}" height="{total_height}" role="img" aria-label="Network topology">',
    ]
    headings = {"external": "External networks", "router": "Routers", "network": "Networks", "instance": "Instances"}
    for kind in COLUMNS:
        out.append(f'<text class="heading" x="{COLUMN_X[kind]}" y="22">{headings[kind]}</text>')
    for link in data.links:
        if link.source not in places or link.target not in places:
            continue
        a, b = data.nodes[link.source], data.nodes[link.target]
        ax, ay, ah = places[a.id]
        bx, by, bh = places[b.id]
        # Join the facing sides of the two boxes.
        if ax > bx:
            x1, x2 = ax, bx + WIDTH[b.kind]
        else:
            x1, x2 = ax + WIDTH[a.kind], bx
        y1, y2 = ay + ah / 2, by + bh / 2
        mid = (x1 + x2) / 2
        out.append(
            f'<path class="link" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}">'
            f"<title>{escape(link.label)}</title></path>"
        )
    for node in data.nodes.values():
        x, top, height = places[node.id]
        width = WIDTH[node.kind]
        status = f" status-{escape(node.status.lower())}" if node.status else ""
        out.append(f'<a href="{escape(node.href)}" class="node {node.kind}{status}" data-id="{escape(node.id)}">')
        out.append(f'<rect x="{x}" y="{top}" width="{width}" height="{height}" rx="6"/>')
        title = node.title if len(node.title) <= 28 else node.title[:27] + "…"
        badge = f" · {node.status}" if node.status and node.kind == "instance" and node.status != "ACTIVE" else ""
        out.append(f'<text class="title" x="{x + 8}" y="{top + 17}">{escape(title + badge)}</text>')
        for i, line in enumerate(node.lines):
            out.append(f'<text class="line" x="{x + 8}" y="{top + 17 + ROW * (i + 1)}">{escape(line)}</text>')
        out.append("</a>")
    out.append("</svg>")
    return "".join(out)


async def _drawing(call: Call) -> str:
    return svg(grouped(await graph(call.api), call.request.param("expand") or ""))


async def page(call: Call) -> Response:
    expand = call.request.param("expand") or ""
    live = f"{PREFIX}/topology.svg" + (f"?{urlencode({'expand': expand})}" if expand else "")
    return call.render("topology.mako", active="topology", drawing=await _drawing(call), live_url=live, expand=expand)


async def drawing(call: Call) -> Response:
    return Response(200, (await _drawing(call)).encode(), content_type="image/svg+xml; charset=utf-8")
