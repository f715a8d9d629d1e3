"""The EC2 API's pieces without a cloud: id mapping (stable, both ways, clashes), the
Query API's flat parameters, the XML writer and the signature-time rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pocketstack.db import Database, migrate
from pocketstack.ec2 import auth, xml
from pocketstack.ec2.errors import Ec2Error
from pocketstack.ec2.ids import IdMap, candidate
from pocketstack.ec2.models import Ec2Id
from pocketstack.ec2.params import Params
from pocketstack.ec2.service import Ec2Service


async def test_ids_are_stable_both_ways_and_step_past_clashes(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'ec2.db'}")
    try:
        assert Ec2Service.migrations is not None
        await migrate.upgrade(db, "ec2", Ec2Service.migrations)
        # Another UUID already holds the id this one hashes to: it gets the next 8 digits.
        taken = candidate("i", "server", "uuid-b")
        async with db.writer() as s:
            s.add(Ec2Id(ec2_id=taken, kind="server", uuid="uuid-a"))
        ids = IdMap(db)
        got = await ids.ec2_ids("server", "i", ["uuid-b", "uuid-c"])
        assert got["uuid-b"] == candidate("i", "server", "uuid-b", 1) != taken
        assert got["uuid-c"] == candidate("i", "server", "uuid-c")
        assert all(len(v) == 10 and v.startswith("i-") for v in got.values())
        # A fresh map (another process) reads the same ids back, both ways.
        again = IdMap(db)
        assert await again.ec2_ids("server", "i", ["uuid-b"]) == {"uuid-b": got["uuid-b"]}
        assert await again.uuid("server", got["uuid-c"]) == "uuid-c"
        assert await again.uuid("volume", got["uuid-c"]) is None
        assert await again.lookup(taken) == ("server", "uuid-a")
        assert sorted(await again.of_uuid("uuid-b")) == [("server", got["uuid-b"])]
        # Reservations: RunInstances' own, else one derived from the server.
        await again.set_reservation(["uuid-b"], "r-abcdefgh")
        found = await IdMap(db).reservations(["uuid-b", "uuid-c"])
        assert found == {"uuid-b": "r-abcdefgh", "uuid-c": candidate("r", "reservation", "uuid-c")}
    finally:
        await db.close()


def test_flat_parameters() -> None:
    p = Params(
        {
            "InstanceId.2": "i-2",
            "InstanceId.1": "i-1",
            "InstanceId.10": "i-10",
            "Filter.1.Name": "tag:Name",
            "Filter.1.Value.1": "a",
            "Filter.1.Value.2": "b",
            "Filter.2.Name": "instance-state-name",
            "Filter.2.Value.1": "running",
            "IpPermissions.1.IpRanges.1.CidrIp": "10.0.0.0/8",
            "MinCount": "2",
            "DryRun": "false",
        }
    )
    assert p.strings("InstanceId") == ["i-1", "i-2", "i-10"]
    assert p.filters() == {"tag:Name": ["a", "b"], "instance-state-name": ["running"]}
    (perm,) = p.structs("IpPermissions")
    assert [r.get("CidrIp") for r in perm.structs("IpRanges")] == ["10.0.0.0/8"]
    assert p.int("MinCount") == 2 and p.bool("DryRun") is False and p.bool("Nope", True) is True
    for bad in ({"MinCount": "x"}, {"MinCount": "-1"}):
        with pytest.raises(Ec2Error) as caught:
            Params(bad).int("MinCount", minimum=0)
        assert caught.value.code == "InvalidParameterValue"
    with pytest.raises(Ec2Error) as caught:
        Params({"Filter.1.Value.1": "x"}).filters()
    assert caught.value.code == "MissingParameter"


def test_xml_writer() -> None:
    body = xml.render("DescribeThings", "req-1", {"thingSet": [{"name": "a<b&c", "on": True, "gone": None}], "n": 3})
    root = ElementTree.fromstring(body)
    ns = "{" + xml.NAMESPACE + "}"
    assert root.tag == f"{ns}DescribeThingsResponse" and root.findtext(f"{ns}requestId") == "req-1"
    item = root.find(f"{ns}thingSet/{ns}item")
    assert item is not None and item.findtext(f"{ns}name") == "a<b&c" and item.findtext(f"{ns}on") == "true"
    assert item.find(f"{ns}gone") is None and root.findtext(f"{ns}n") == "3"


def test_signature_times() -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    fresh = auth.Signed("AK", "sig", {}, "20261203T115500Z")
    auth.check_time(fresh, now)
    for stamp in ("20261203T113000Z", "20261203T123000Z"):  # 30 minutes either way
        with pytest.raises(Ec2Error) as caught:
            auth.check_time(auth.Signed("AK", "sig", {}, stamp), now)
        assert caught.value.code == "RequestExpired"
    with pytest.raises(Ec2Error) as caught:
        auth.check_time(auth.Signed("AK", "sig", {}, "yesterday"), now)
    assert caught.value.code == "AuthFailure"
    # Version 2's Expires instead of Timestamp; a presigned URL's X-Amz-Expires.
    auth.check_time(auth.Signed("AK", "sig", {}, "", "2026-12-03T12:05:00Z"), now)
    with pytest.raises(Ec2Error):
        auth.check_time(auth.Signed("AK", "sig", {}, "", "2026-12-03T11:59:00Z"), now)
    query = {
        "X-Amz-Algorithm": auth.V4,
        "X-Amz-Credential": "AK/20261203/RegionOne/ec2/aws4_request",
        "X-Amz-Signature": "s",
        "X-Amz-Date": "20261203T100000Z",
        "X-Amz-Expires": "86400",
    }
    signed = auth.signed_parts({}, query, query)
    assert signed.access == "AK"
    auth.check_time(signed, now)  # two hours old, good for a day
    with pytest.raises(Ec2Error) as caught:
        auth.signed_parts({}, {}, {"Action": "DescribeRegions"})
    assert caught.value.code == "MissingAuthenticationToken"
