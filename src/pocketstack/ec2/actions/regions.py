"""DescribeRegions and DescribeAvailabilityZones (the compute zones)."""

from __future__ import annotations

from typing import Any

from pocketstack.ec2.actions.common import matches
from pocketstack.ec2.call import Call
from pocketstack.ec2.errors import Ec2Error


def endpoint(call: Call) -> str:
    """This API's public URL from the caller's catalog."""
    for service in call.api.token.catalog:
        if service.get("type") == "ec2":
            for ep in service.get("endpoints") or ():
                if ep.get("interface") == "public":
                    return str(ep.get("url") or "")
    return ""


async def describe_regions(call: Call) -> dict[str, Any]:
    names = call.params.strings("RegionName")
    unknown = [n for n in names if n != call.region]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Invalid region: {unknown[0]}")
    region = {"regionName": call.region, "regionEndpoint": endpoint(call), "optInStatus": "opt-in-not-required"}
    values = {"region-name": [call.region], "endpoint": [region["regionEndpoint"]]}
    found = [region] if matches(call.params.filters(), values, {}) else []
    return {"regionInfo": found}


async def describe_availability_zones(call: Call) -> dict[str, Any]:
    zones = await call.api.compute.availability_zones()
    names = call.params.strings("ZoneName")
    unknown = [n for n in names if n not in zones]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"The zone '{unknown[0]}' does not exist.")
    filters = call.params.filters()
    out = []
    for zone in zones:
        if names and zone not in names:
            continue
        values = {"zone-name": [zone], "region-name": [call.region], "state": ["available"], "zone-id": [zone]}
        if matches(filters, values, {}):
            out.append(
                {
                    "zoneName": zone,
                    "zoneState": "available",
                    "regionName": call.region,
                    "zoneId": zone,
                    "zoneType": "availability-zone",
                    "optInStatus": "opt-in-not-required",
                    "messageSet": [],
                }
            )
    return {"availabilityZoneInfo": out}
