"""Server listing filters beyond the basics (changes-since, tags) and the server
metadata routes."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from pocketstack.testing.service import auth
from tests.api.compute_support import V, cloud, mv


async def test_changes_since_lists_updated_and_deleted_servers(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        ids = [(await c.boot(f"cs-{i}"))["server"]["id"] for i in range(3)]
        for sid in ids:
            await c.wait(sid, "ACTIVE")
        await asyncio.sleep(0.05)
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        await asyncio.sleep(0.05)
        r = await c.client.put(f"{V}/servers/{ids[0]}", json={"server": {"name": "renamed"}}, headers=auth("demo"))
        assert r.status_code == 200
        assert (await c.client.delete(f"{V}/servers/{ids[1]}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(ids[1])
        r = await c.client.get(f"{V}/servers/detail", params={"changes-since": since}, headers=auth("demo"))
        assert r.status_code == 200, r.text
        found = {s["id"]: s for s in r.json()["servers"]}
        assert set(found) == {ids[0], ids[1]}
        assert found[ids[0]]["name"] == "renamed" and found[ids[1]]["status"] == "DELETED"
        # changes-before (2.66) bounds the other side.
        r = await c.client.get(
            f"{V}/servers",
            params={"changes-before": since, "changes-since": "2000-01-01T00:00:00Z"},
            headers=mv("demo", "2.66"),
        )
        assert {s["id"] for s in r.json()["servers"]} == {ids[2]}
        bad = await c.client.get(f"{V}/servers", params={"changes-since": "yesterday"}, headers=auth("demo"))
        assert bad.status_code == 400 and "changes-since" in bad.json()["badRequest"]["message"]


async def test_tag_filters(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        made = {}
        for name, tags in (("a", ["web", "prod"]), ("b", ["web"]), ("c", ["db", "prod"]), ("d", [])):
            made[name] = (await c.boot(name, version="2.52", tags=tags))["server"]["id"]
        names = {v: k for k, v in made.items()}

        async def listed(**params: str) -> set[str]:
            r = await c.client.get(f"{V}/servers", params=params, headers=mv("demo", "2.26"))
            assert r.status_code == 200, r.text
            return {names[s["id"]] for s in r.json()["servers"]}

        assert await listed(tags="web") == {"a", "b"}
        assert await listed(tags="web,prod") == {"a"}
        assert await listed(**{"tags-any": "db,web"}) == {"a", "b", "c"}
        assert await listed(**{"not-tags": "web"}) == {"c", "d"}
        assert await listed(**{"not-tags": "web,prod"}) == {"b", "c", "d"}
        assert await listed(tags="prod", limit="1") in ({"a"}, {"c"})
        # A tag that is a substring of another, or holds LIKE wildcards, matches exactly.
        assert await listed(tags="we") == set()
        assert await listed(tags="w%") == set()
        shown = await c.client.get(f"{V}/servers/{made['a']}", headers=mv("demo", "2.26"))
        assert sorted(shown.json()["server"]["tags"]) == ["prod", "web"]
        bad = await c.client.get(f"{V}/servers", params={"name": "("}, headers=auth("demo"))
        assert bad.status_code == 400 and "regular expression" in bad.json()["badRequest"]["message"]


async def test_metadata_routes(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot(metadata={"a": "1"}))["server"]["id"]
        base = f"{V}/servers/{sid}/metadata"
        r = await c.client.post(base, json={"metadata": {"b": "2"}}, headers=auth("demo"))
        assert r.status_code == 200 and r.json()["metadata"] == {"a": "1", "b": "2"}
        r = await c.client.put(f"{base}/c", json={"meta": {"c": "3"}}, headers=auth("demo"))
        assert r.status_code == 200 and r.json()["meta"] == {"c": "3"}
        r = await c.client.get(f"{base}/c", headers=auth("demo"))
        assert r.json()["meta"] == {"c": "3"}
        mismatch = await c.client.put(f"{base}/c", json={"meta": {"d": "4"}}, headers=auth("demo"))
        assert mismatch.status_code == 400
        assert (await c.client.delete(f"{base}/a", headers=auth("demo"))).status_code == 204
        assert (await c.client.delete(f"{base}/a", headers=auth("demo"))).status_code == 404
        assert (await c.client.get(f"{base}/a", headers=auth("demo"))).status_code == 404
        r = await c.client.put(base, json={"metadata": {"only": "this"}}, headers=auth("demo"))
        assert r.json()["metadata"] == {"only": "this"}
        assert (await c.client.get(base, headers=auth("demo"))).json()["metadata"] == {"only": "this"}
        assert (await c.client.get(base, headers=auth("alt"))).status_code == 404
        assert (await c.client.post(base, json={"metadata": {"x": "1"}}, headers=auth("reader"))).status_code == 403
        bad = await c.client.post(base, json={"metadata": {"x": 5}}, headers=auth("demo"))
        assert bad.status_code == 400
        r = await c.client.put(
            V + "/os-quota-sets/p-demo", json={"quota_set": {"metadata_items": 2}}, headers=auth("admin")
        )
        assert r.status_code == 200
        over = await c.client.post(base, json={"metadata": {"x": "1", "y": "2"}}, headers=auth("demo"))
        assert over.status_code == 403 and "metadata_items" in over.text
        assert (await c.show(sid))["metadata"] == {"only": "this"}
