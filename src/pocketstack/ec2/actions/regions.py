"""DescribeRegions and DescribeAvailabilityZones (the compute zones)."""

from __future__ import annotations

from typing import Any

from pocketstack.ec2.actions.common import matches
from pocketstack.ec2.actions.vpcs import default_vpc
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


async def describe_account_attributes(call: Call) -> dict[str, Any]:
    """What tools ask first: the platforms (VPC only), the default VPC, the instance and
    Elastic IP limits (Nova's and Neutron's quotas)."""
    limits = await call.api.compute.limits()
    vpc = await call.ids.ec2_id("network", "vpc", await default_vpc(call))
    fips = (await call.api.network.quota_details(call.project_id)).get("floatingip") or {}
    values = {
        "supported-platforms": ["VPC"],
        "default-vpc": [vpc],
        "max-instances": [str(limits.get("maxTotalInstances", -1))],
        "vpc-max-security-groups-per-interface": ["5"],
        "max-elastic-ips": [str(fips.get("limit", -1))],
        "vpc-max-elastic-ips": [str(fips.get("limit", -1))],
    }
    wanted = call.params.strings("AttributeName")
    unknown = [w for w in wanted if w not in values]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Unknown account attribute: {unknown[0]}")
    return {
        "accountAttributeSet": [
            {"attributeName": name, "attributeValueSet": [{"attributeValue": v} for v in vals]}
            for name, vals in values.items()
            if not wanted or name in wanted
        ]
    }
