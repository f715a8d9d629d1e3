"""The topology drawing: column order keeps each node beside what it links to, and
every text in the SVG is escaped."""

from __future__ import annotations

from pocketstack.dashboard.timeline import svg as timeline_svg
from pocketstack.dashboard.topology import Graph, Link, Node, _ordered, grouped, svg


def sample() -> Graph:
    graph = Graph()
    for node in (
        Node("x", "external", "public", ["172.24.4.0/24"]),
        Node("r2", "router", "a-router"),
        Node("r1", "router", "b-router"),
        Node("n1", "network", "z-net"),
        Node("n2", "network", "a-net"),
        Node("i1", "instance", "a-vm", ["10.0.2.5"], status="ACTIVE"),
        Node("i2", "instance", "<b>-vm", ["10.0.1.5  ⇄ 172.24.4.9"], status="ERROR"),
    ):
        graph.nodes[node.id] = node
    graph.links += [
        Link("r1", "x"),
        Link("r2", "x"),
        Link("r2", "n1"),
        Link("r1", "n2"),
        Link("i1", "n2", "10.0.2.5"),
        Link("i2", "n1", "10.0.1.5"),
    ]
    return graph


def test_nodes_sit_beside_their_neighbours() -> None:
    assert [n.id for n in _ordered(sample())] == ["x", "r2", "r1", "n1", "n2", "i2", "i1"]


def test_svg_escapes_and_links_every_node() -> None:
    drawing = svg(sample())
    assert drawing.startswith("<svg") and drawing.endswith("</svg>")
    assert "<b>" not in drawing and "&lt;b&gt;-vm" in drawing
    assert drawing.count('class="link"') == 6 and drawing.count("<a href=") == 7
    assert "status-error" in drawing and "⇄ 172.24.4.9" in drawing


def test_timeline_marks_the_failed_hop() -> None:
    spans = [
        {"hop": "api", "component": "compute-api", "host": None, "started": 100.0, "duration_ms": 12.0, "result": "ok"},
        {
            "hop": "spawn",
            "component": "agent",
            "host": "h1",
            "started": 100.02,
            "duration_ms": 30.0,
            "result": "error",
            "detail": "<boom>",
        },
    ]
    drawing = timeline_svg(spans)
    assert drawing.count("<rect") == 2 and 'class="span failed"' in drawing
    assert "&lt;boom&gt;" in drawing and "spawn · agent@h1" in drawing
    assert timeline_svg([]) == ""


def test_many_instances_fold_into_a_group_per_network() -> None:
    graph = sample()
    for i in range(5):
        graph.nodes[f"v{i}"] = Node(f"v{i}", "instance", f"v{i}", status="ERROR" if i == 0 else "ACTIVE")
        graph.links.append(Link(f"v{i}", "n1"))
    folded = grouped(graph, limit=3)
    group = folded.nodes["group:n1"]
    assert group.title == "6 instances" and group.lines[0] == "2 ERROR · 4 other" and group.status == "ERROR"
    assert group.href.endswith("/topology?expand=n1")
    assert "i2" not in folded.nodes and "i1" in folded.nodes  # n2 has one instance: kept
    assert not any(link.source.startswith("v") for link in folded.links)
    assert "v3" in grouped(graph, expand="n1", limit=3).nodes
    assert grouped(graph, limit=10) is graph


def test_names_sort_naturally() -> None:
    graph = Graph()
    for name in ("net10", "net2", "net1"):
        graph.nodes[name] = Node(name, "network", name)
    assert [n.title for n in _ordered(graph)] == ["net1", "net2", "net10"]
