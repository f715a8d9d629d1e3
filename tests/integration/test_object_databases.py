"""The object storage index on every database: names ordered by their bytes (as Swift
sorts them, whatever the database's collation), case kept apart, listings with markers
and delimiters, and exact counts under concurrent writers of the same names."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pocketstack.common.config import Config
from pocketstack.object.service import create
from pocketstack.testing.service import running_services

pytestmark = pytest.mark.integration

ACCOUNT = "/object/v1/AUTH_p-demo"
TOKEN = {"X-Auth-Token": "demo"}
# Byte order: upper case before lower case, ASCII before any accented letter.
NAMES = ["A", "B", "a", "a/b", "a/c", "b", "z", "~", "é", "ž/x"]


async def test_object_index_on_every_database(db_url: str, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.database.url = db_url
    config.object.expirer_interval = 0
    async with running_services([create], tmp_path, config=config) as (_runtime, _services, client):
        assert (await client.put(f"{ACCOUNT}/c", headers=TOKEN)).status_code == 201
        assert (await client.put(f"{ACCOUNT}/C", headers=TOKEN)).status_code == 201  # another container
        for name in reversed(NAMES):
            resp = await client.put(f"{ACCOUNT}/c/{name}", content=name.encode(), headers=TOKEN)
            assert resp.status_code == 201, resp.text

        async def names(query: str = "") -> list[str]:
            resp = await client.get(f"{ACCOUNT}/c?format=json{query}", headers=TOKEN)
            assert resp.status_code == 200, resp.text
            return [i.get("name", i.get("subdir")) for i in resp.json()]

        assert await names() == NAMES
        assert await names("&marker=a&limit=3") == ["a/b", "a/c", "b"]
        assert await names("&delimiter=/") == ["A", "B", "a", "a/", "b", "z", "~", "é", "ž/"]
        assert await names("&reverse=true&end_marker=b") == ["ž/x", "é", "~", "z"]
        assert (await client.get(f"{ACCOUNT}/c/%C3%A9", headers=TOKEN)).content == "é".encode()
        account = (await client.get(f"{ACCOUNT}?format=json", headers=TOKEN)).json()
        assert [c["name"] for c in account] == ["C", "c"]

        async def write(i: int) -> None:
            resp = await client.put(f"{ACCOUNT}/C/n{i % 5}", content=b"x" * (i + 1), headers=TOKEN)
            assert resp.status_code == 201, resp.text

        await asyncio.gather(*(write(i) for i in range(25)))
        head = await client.head(f"{ACCOUNT}/C", headers=TOKEN)
        listing = (await client.get(f"{ACCOUNT}/C?format=json", headers=TOKEN)).json()
        assert head.headers["x-container-object-count"] == str(len(listing)) == "5"
        assert head.headers["x-container-bytes-used"] == str(sum(i["bytes"] for i in listing))
        usage = await client.head(ACCOUNT, headers=TOKEN)
        assert usage.headers["x-account-object-count"] == str(5 + len(NAMES))
