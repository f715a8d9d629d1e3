"""The EC2 Query API in-process: signatures and errors, then each action against the
real services (fake compute driver), through botocore's own serializer and parser."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from tests.api.ec2_support import Ec2, ec2_keys

pytestmark = pytest.mark.asyncio(loop_scope="module")

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQK2qK7nGzvqD0i0mV2cBtLw1sW8Qy3w4y7J1xWkq9d ec2-test"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("ec2-api"))) as client:
        admin = {"X-Auth-Token": await client.token("admin")}
        image = await client.http.post(
            "/image/v2/images",
            json={"name": "cirros", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
            headers=admin,
        )
        image_id = image.json()["id"]
        await client.http.put(
            f"/image/v2/images/{image_id}/file",
            content=b"x" * 1024,
            headers={**admin, "Content-Type": "application/octet-stream"},
        )
        ext = await client.http.post(
            "/network/v2.0/networks",
            json={"network": {"name": "public", "router:external": True, "is_default": True}},
            headers=admin,
        )
        ext_id = ext.json()["network"]["id"]
        await client.http.post(
            "/network/v2.0/subnets",
            json={"subnet": {"network_id": ext_id, "cidr": "172.24.4.0/24", "ip_version": 4}},
            headers=admin,
        )
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def ec2(c: CloudClient) -> Ec2:
    access, secret = await ec2_keys(c)
    return Ec2(c, access, secret)


async def test_signature_versions_and_auth_errors(c: CloudClient, ec2: Ec2) -> None:
    regions = await ec2("DescribeRegions")
    assert [r["RegionName"] for r in regions["Regions"]] == ["RegionOne"]
    assert regions["Regions"][0]["Endpoint"].endswith("/ec2")
    v2 = Ec2(c, ec2.credentials.access_key, ec2.credentials.secret_key, version="v2")
    assert (await v2("DescribeRegions"))["Regions"]
    wrong = Ec2(c, ec2.credentials.access_key, "not-the-secret")
    failed = await wrong.fails("SignatureDoesNotMatch", "DescribeRegions")
    assert failed.status == 403
    failed = await Ec2(c, ec2.credentials.access_key, "nope", version="v2").fails(
        "SignatureDoesNotMatch", "DescribeRegions"
    )
    unknown = await Ec2(c, "AKIAUNKNOWN", "whatever").fails("AuthFailure", "DescribeRegions")
    assert unknown.status == 401
    # A request signed 20 minutes ago (its own, valid signature) is refused.
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    from botocore.auth import SigV4Auth

    class Stale(SigV4Auth):
        def _modify_request_before_signing(self, req: Any) -> None:
            super()._modify_request_before_signing(req)
            req.headers.replace_header("X-Amz-Date", old)
            req.context["timestamp"] = old

    stale = ec2.signed("DescribeRegions", {})
    del stale.headers["Authorization"]
    del stale.headers["X-Amz-Date"]
    Stale(ec2.credentials, "ec2", "RegionOne").add_auth(stale)
    status, body = await ec2.send(stale)
    assert status == 400 and b"<Code>RequestExpired</Code>" in body and b"<RequestID>req-" in body
    # No signature at all; a bad action; a missing parameter; an unknown content type.
    plain = await c.http.post("/ec2/", content=b"Action=DescribeRegions")
    assert plain.status_code == 401 and b"MissingAuthenticationToken" in plain.content
    request_id = plain.headers["x-amzn-requestid"]
    assert f"<RequestID>{request_id}</RequestID>".encode() in plain.content
    assert plain.headers["x-openstack-request-id"] == request_id
    prepared = ec2.signed("DescribeRegions", {}).prepare()
    tampered = str(prepared.body).replace("DescribeRegions", "DescribeImages").encode()
    answer = await c.http.post("/ec2/", content=tampered, headers=dict(prepared.headers))
    assert answer.status_code == 403 and b"SignatureDoesNotMatch" in answer.content  # the body is signed
    await ec2.fails("MissingParameter", "CreateKeyPair", KeyName="")
    dry = await ec2.fails("DryRunOperation", "CreateKeyPair", KeyName="dry", DryRun=True)
    assert dry.status == 412
    assert "dry" not in {k["KeyName"] for k in (await ec2("DescribeKeyPairs"))["KeyPairs"]}


async def test_invalid_action_and_unsupported(c: CloudClient, ec2: Ec2) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    for action, code in (
        ("FlyToTheMoon", b"InvalidAction"),
        ("CreateInternetGateway", b"UnsupportedOperation"),
        ("", b"MissingAction"),
    ):
        request = AWSRequest(
            "POST",
            "http://pocketstack.test/ec2/",
            data=f"Action={action}&Version=2016-11-15",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(ec2.credentials, "ec2", "RegionOne").add_auth(request)
        status, body = await ec2.send(request)
        assert status == 400 and b"<Code>" + code + b"</Code>" in body, body


async def test_zones_and_images(ec2: Ec2) -> None:
    zones = await ec2("DescribeAvailabilityZones")
    assert [z["ZoneName"] for z in zones["AvailabilityZones"]] == ["nova"]
    assert zones["AvailabilityZones"][0]["State"] == "available"
    await ec2.fails("InvalidParameterValue", "DescribeAvailabilityZones", ZoneNames=["mars"])
    account = await ec2("DescribeAccountAttributes")
    attrs = {
        a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]] for a in account["AccountAttributes"]
    }
    assert attrs["supported-platforms"] == ["VPC"] and attrs["default-vpc"][0].startswith("vpc-")
    assert int(attrs["max-instances"][0]) > 0
    only = await ec2("DescribeAccountAttributes", AttributeNames=["default-vpc"])
    assert [a["AttributeName"] for a in only["AccountAttributes"]] == ["default-vpc"]
    images = (await ec2("DescribeImages"))["Images"]
    assert len(images) == 1 and images[0]["ImageId"].startswith("ami-") and len(images[0]["ImageId"]) == 12
    image = images[0]
    assert image["State"] == "available" and image["Public"] is True and image["Name"] == "cirros"
    again = await ec2("DescribeImages", ImageIds=[image["ImageId"]])
    assert again["Images"][0]["ImageId"] == image["ImageId"]
    assert (await ec2("DescribeImages", Filters=[{"Name": "name", "Values": ["cir*"]}]))["Images"]
    assert not (await ec2("DescribeImages", Filters=[{"Name": "name", "Values": ["ubuntu"]}]))["Images"]
    assert not (await ec2("DescribeImages", Owners=["self"]))["Images"]
    await ec2.fails("InvalidAMIID.NotFound", "DescribeImages", ImageIds=["ami-00000000"])
    await ec2.fails("InvalidAMIID.Malformed", "DescribeImages", ImageIds=["banana"])
    types = {t["InstanceType"]: t for t in (await ec2("DescribeInstanceTypes"))["InstanceTypes"]}
    assert {"m1.tiny", "m1.small"} <= set(types)
    assert types["m1.tiny"]["VCpuInfo"]["DefaultVCpus"] == 1 and types["m1.tiny"]["MemoryInfo"]["SizeInMiB"] == 512
    one = await ec2("DescribeInstanceTypes", InstanceTypes=["m1.small"])
    assert [t["InstanceType"] for t in one["InstanceTypes"]] == ["m1.small"]
    await ec2.fails("InvalidInstanceType", "DescribeInstanceTypes", InstanceTypes=["t2.nano"])
    await ec2.fails("InvalidParameterValue", "DescribeImages", Filters=[{"Name": "color", "Values": ["red"]}])


async def test_key_pairs(ec2: Ec2) -> None:
    made = await ec2("CreateKeyPair", KeyName="ec2-made")
    assert made["KeyMaterial"].startswith("-----BEGIN") and made["KeyFingerprint"]
    await ec2.fails("InvalidKeyPair.Duplicate", "CreateKeyPair", KeyName="ec2-made")
    imported = await ec2("ImportKeyPair", KeyName="ec2-imported", PublicKeyMaterial=PUBLIC_KEY.encode())
    assert imported["KeyName"] == "ec2-imported"
    await ec2.fails("InvalidKey.Format", "ImportKeyPair", KeyName="bad", PublicKeyMaterial=b"not a key")
    keys = {k["KeyName"]: k for k in (await ec2("DescribeKeyPairs"))["KeyPairs"]}
    assert {"ec2-made", "ec2-imported"} <= set(keys)
    assert keys["ec2-imported"]["KeyType"] == "ed25519"
    one = await ec2("DescribeKeyPairs", KeyNames=["ec2-made"])
    assert [k["KeyName"] for k in one["KeyPairs"]] == ["ec2-made"]
    await ec2.fails("InvalidKeyPair.NotFound", "DescribeKeyPairs", KeyNames=["nope"])
    assert (await ec2("DeleteKeyPair", KeyName="ec2-made"))["Return"] is True
    assert (await ec2("DeleteKeyPair", KeyName="ec2-made"))["Return"] is True  # EC2: true when absent
    assert "ec2-made" not in {k["KeyName"] for k in (await ec2("DescribeKeyPairs"))["KeyPairs"]}


async def test_security_groups(ec2: Ec2) -> None:
    made = await ec2(
        "CreateSecurityGroup",
        GroupName="web",
        Description="web servers",
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "front"}]}],
    )
    assert made["Tags"] == [{"Key": "tier", "Value": "front"}]
    group_id = made["GroupId"]
    assert group_id.startswith("sg-")
    await ec2.fails("InvalidGroup.Duplicate", "CreateSecurityGroup", GroupName="web", Description="again")
    await ec2(
        "AuthorizeSecurityGroupIngress",
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
    )
    await ec2(
        "AuthorizeSecurityGroupIngress", GroupName="web", IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    await ec2.fails(
        "InvalidPermission.Duplicate",
        "AuthorizeSecurityGroupIngress",
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    await ec2.fails(
        "InvalidParameterValue",
        "AuthorizeSecurityGroupIngress",
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 30, "ToPort": 20}],
    )
    shown = (await ec2("DescribeSecurityGroups", GroupIds=[group_id]))["SecurityGroups"][0]
    assert shown["GroupName"] == "web" and shown["Description"] == "web servers"
    assert shown["Tags"] == [{"Key": "tier", "Value": "front"}]
    perms = {
        (p["IpProtocol"], p.get("FromPort"), tuple(r["CidrIp"] for r in p["IpRanges"])) for p in shown["IpPermissions"]
    }
    assert ("tcp", 22, ("10.0.0.0/8",)) in perms and ("tcp", 80, ("0.0.0.0/0",)) in perms
    assert ("icmp", -1, ("0.0.0.0/0",)) in perms
    assert shown["IpPermissionsEgress"]
    await ec2(
        "RevokeSecurityGroupIngress",
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    await ec2.fails(
        "InvalidPermission.NotFound",
        "RevokeSecurityGroupIngress",
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    by_name = (await ec2("DescribeSecurityGroups", GroupNames=["web"]))["SecurityGroups"]
    assert [g["GroupId"] for g in by_name] == [group_id]
    filtered = await ec2("DescribeSecurityGroups", Filters=[{"Name": "group-name", "Values": ["w?b"]}])
    assert [g["GroupId"] for g in filtered["SecurityGroups"]] == [group_id]
    await ec2.fails("InvalidGroup.NotFound", "DescribeSecurityGroups", GroupNames=["nope"])
    await ec2.fails("InvalidGroup.Malformed", "DeleteSecurityGroup", GroupId="group-one")
    await ec2("DeleteSecurityGroup", GroupId=group_id)
    await ec2.fails("InvalidGroup.NotFound", "DeleteSecurityGroup", GroupId=group_id)


async def test_instance_lifecycle(ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    await ec2("ImportKeyPair", KeyName="life", PublicKeyMaterial=PUBLIC_KEY.encode())
    group = (await ec2("CreateSecurityGroup", GroupName="life", Description="d"))["GroupId"]
    await ec2.fails("InvalidAMIID.NotFound", "RunInstances", ImageId="ami-0000abcd", MinCount=1, MaxCount=1)
    await ec2.fails("InvalidParameterValue", "RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="huge")
    await ec2.fails("InvalidKeyPair.NotFound", "RunInstances", ImageId=image, MinCount=1, MaxCount=1, KeyName="nope")
    await ec2.fails("InvalidParameterValue", "RunInstances", ImageId=image, MinCount=3, MaxCount=2)
    run = await ec2(
        "RunInstances",
        ImageId=image,
        MinCount=2,
        MaxCount=2,
        InstanceType="tiny",
        KeyName="life",
        SecurityGroupIds=[group],
        UserData=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "ec2-life"}, {"Key": "team", "Value": "a"}]}
        ],
    )
    assert run["ReservationId"].startswith("r-")
    ids = [i["InstanceId"] for i in run["Instances"]]
    assert len(ids) == 2 and all(i.startswith("i-") and len(i) == 10 for i in ids)
    assert {i["State"]["Name"] for i in run["Instances"]} <= {"pending", "running"}
    assert [i["AmiLaunchIndex"] for i in run["Instances"]] == [0, 1]
    first = await ec2.wait_state(ids[0], "running")
    await ec2.wait_state(ids[1], "running")
    assert first["State"]["Code"] == 16 and first["InstanceType"] == "m1.tiny" and first["ImageId"] == image
    assert first["KeyName"] == "life"
    # Nova numbers the names of a multi-server launch: ec2-life-1, ec2-life-2.
    tags = {t["Key"]: t["Value"] for t in first["Tags"]}
    assert tags["Name"].startswith("ec2-life") and tags["team"] == "a"
    assert [g["GroupId"] for g in first["SecurityGroups"]] == [group]
    assert first["PrivateIpAddress"].startswith("10.")
    listed = await ec2("DescribeInstances", Filters=[{"Name": "tag:team", "Values": ["a"]}])
    assert [r["ReservationId"] for r in listed["Reservations"]] == [run["ReservationId"]]
    assert sorted(i["InstanceId"] for i in listed["Reservations"][0]["Instances"]) == sorted(ids)
    assert not (await ec2("DescribeInstances", Filters=[{"Name": "tag:team", "Values": ["b"]}]))["Reservations"]
    running = await ec2("DescribeInstances", Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
    assert {i["InstanceId"] for r in running["Reservations"] for i in r["Instances"]} >= set(ids)
    paged = await ec2("DescribeInstances", MaxResults=5)
    assert "NextToken" not in paged
    first_page = await ec2("DescribeInstances", MaxResults=5, Filters=[{"Name": "tag:team", "Values": ["a"]}])
    assert "NextToken" not in first_page
    await ec2.fails("InvalidParameterValue", "DescribeInstances", MaxResults=2)
    await ec2.fails("InvalidParameterValue", "DescribeInstances", NextToken="bogus")
    await ec2.fails("InvalidInstanceID.NotFound", "DescribeInstances", InstanceIds=["i-00000000"])
    await ec2.fails("InvalidInstanceID.Malformed", "DescribeInstances", InstanceIds=["instance-1"])
    status = await ec2("DescribeInstanceStatus", InstanceIds=[ids[0]])
    assert status["InstanceStatuses"][0]["InstanceState"]["Name"] == "running"
    user_data = await ec2("DescribeInstanceAttribute", InstanceId=ids[0], Attribute="userData")
    assert base64.b64decode(user_data["UserData"]["Value"]) == b"#!/bin/sh\necho hi\n"
    console = await ec2("GetConsoleOutput", InstanceId=ids[0])
    assert console["InstanceId"] == ids[0]
    assert "pocketstack guest up" in base64.b64decode(console["Output"]).decode()

    stopped = await ec2("StopInstances", InstanceIds=[ids[0]])
    change = stopped["StoppingInstances"][0]
    assert change["PreviousState"]["Name"] == "running" and change["CurrentState"]["Name"] == "stopping"
    await ec2.wait_state(ids[0], "stopped")
    assert (await ec2("StopInstances", InstanceIds=[ids[0]]))["StoppingInstances"][0]["CurrentState"][
        "Name"
    ] == "stopped"
    await ec2.fails("IncorrectInstanceState", "RebootInstances", InstanceIds=[ids[0]])
    started = await ec2("StartInstances", InstanceIds=[ids[0]])
    assert started["StartingInstances"][0]["CurrentState"]["Name"] == "pending"
    await ec2.wait_state(ids[0], "running")
    await ec2("RebootInstances", InstanceIds=[ids[0]])
    await ec2.wait_state(ids[0], "running")

    gone = await ec2("TerminateInstances", InstanceIds=ids)
    assert {t["CurrentState"]["Name"] for t in gone["TerminatingInstances"]} == {"shutting-down"}
    for ident in ids:
        done = await ec2.wait_state(ident, "terminated")
        assert done["State"]["Code"] == 48
    again = await ec2("TerminateInstances", InstanceIds=[ids[0]])
    assert again["TerminatingInstances"][0]["CurrentState"]["Name"] == "terminated"
    # The ids stay the same for the same servers.
    listed = await ec2("DescribeInstances", InstanceIds=ids)
    assert sorted(i["InstanceId"] for r in listed["Reservations"] for i in r["Instances"]) == sorted(ids)


async def test_addresses(ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny")
    ident = run["Instances"][0]["InstanceId"]
    await ec2.wait_state(ident, "running")
    allocated = await ec2("AllocateAddress", Domain="vpc")
    assert allocated["AllocationId"].startswith("eipalloc-") and allocated["PublicIp"].startswith("172.24.4.")
    assoc = await ec2("AssociateAddress", AllocationId=allocated["AllocationId"], InstanceId=ident)
    assert assoc["AssociationId"].startswith("eipassoc-")
    shown = (await ec2("DescribeAddresses", AllocationIds=[allocated["AllocationId"]]))["Addresses"][0]
    assert shown["InstanceId"] == ident and shown["PublicIp"] == allocated["PublicIp"]
    assert shown["PrivateIpAddress"].startswith("10.")
    for _ in range(100):
        inst = await ec2.instance(ident)
        if inst.get("PublicIpAddress"):
            break
        await asyncio.sleep(0.05)
    assert inst.get("PublicIpAddress") == allocated["PublicIp"]
    enis = (await ec2("DescribeNetworkInterfaces", Filters=[{"Name": "attachment.instance-id", "Values": [ident]}]))[
        "NetworkInterfaces"
    ]
    assert len(enis) == 1 and enis[0]["NetworkInterfaceId"].startswith("eni-")
    assert enis[0]["Attachment"]["InstanceId"] == ident and enis[0]["Status"] == "in-use"
    assert enis[0]["Association"]["PublicIp"] == allocated["PublicIp"]
    assert enis[0]["PrivateIpAddress"] == shown["PrivateIpAddress"] and enis[0]["VpcId"].startswith("vpc-")
    one = await ec2("DescribeNetworkInterfaces", NetworkInterfaceIds=[enis[0]["NetworkInterfaceId"]])
    assert [e["NetworkInterfaceId"] for e in one["NetworkInterfaces"]] == [enis[0]["NetworkInterfaceId"]]
    await ec2.fails(
        "InvalidNetworkInterfaceID.NotFound", "DescribeNetworkInterfaces", NetworkInterfaceIds=["eni-00000000"]
    )
    await ec2.fails("InvalidIPAddress.InUse", "ReleaseAddress", AllocationId=allocated["AllocationId"])
    await ec2("DisassociateAddress", AssociationId=assoc["AssociationId"])
    assert "InstanceId" not in (await ec2("DescribeAddresses", PublicIps=[allocated["PublicIp"]]))["Addresses"][0]
    await ec2("ReleaseAddress", AllocationId=allocated["AllocationId"])
    await ec2.fails("InvalidAllocationID.NotFound", "ReleaseAddress", AllocationId=allocated["AllocationId"])
    await ec2.fails("InvalidAddress.NotFound", "DescribeAddresses", PublicIps=["172.24.4.250"])
    await ec2("TerminateInstances", InstanceIds=[ident])


async def test_volumes(ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny")
    ident = run["Instances"][0]["InstanceId"]
    made = await ec2(
        "CreateVolume",
        Size=1,
        AvailabilityZone="nova",
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}],
    )
    vol = made["VolumeId"]
    assert vol.startswith("vol-") and made["Size"] == 1
    await ec2.fails("MissingParameter", "CreateVolume", AvailabilityZone="nova")

    async def volume_state(*names: str) -> dict[str, Any]:
        for _ in range(200):
            found = (await ec2("DescribeVolumes", VolumeIds=[vol]))["Volumes"][0]
            if found["State"] in names:
                return dict(found)
            await asyncio.sleep(0.05)
        raise AssertionError(f"{vol} stayed {found['State']}")

    await volume_state("available")
    await ec2.wait_state(ident, "running")
    attached = await ec2("AttachVolume", VolumeId=vol, InstanceId=ident, Device="/dev/vdb")
    assert attached["State"] == "attaching" and attached["InstanceId"] == ident
    shown = await volume_state("in-use")
    for _ in range(100):
        shown = (await ec2("DescribeVolumes", VolumeIds=[vol]))["Volumes"][0]
        if shown["Attachments"] and shown["Attachments"][0]["State"] == "attached":
            break
        await asyncio.sleep(0.05)
    assert shown["Attachments"][0]["InstanceId"] == ident
    assert {"Key": "Name", "Value": "data"} in shown["Tags"]
    by_instance = await ec2("DescribeVolumes", Filters=[{"Name": "attachment.instance-id", "Values": [ident]}])
    assert [v["VolumeId"] for v in by_instance["Volumes"]] == [vol]
    await ec2.fails("VolumeInUse", "DeleteVolume", VolumeId=vol)
    detached = await ec2("DetachVolume", VolumeId=vol)
    assert detached["State"] == "detaching"
    await volume_state("available")
    await ec2("DeleteVolume", VolumeId=vol)
    await ec2.fails("InvalidVolume.Malformed", "DescribeVolumes", VolumeIds=["volume-1"])
    await ec2("TerminateInstances", InstanceIds=[ident])


async def test_another_project_sees_nothing(c: CloudClient, ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny")
    ident = run["Instances"][0]["InstanceId"]
    access, secret = await ec2_keys(c, "admin")
    other = Ec2(c, access, secret)
    listed = await other("DescribeInstances")
    assert ident not in {i["InstanceId"] for r in listed["Reservations"] for i in r["Instances"]}
    await other.fails("InvalidInstanceID.NotFound", "DescribeInstances", InstanceIds=[ident])
    await other.fails("InvalidInstanceID.NotFound", "TerminateInstances", InstanceIds=[ident])
    await other.fails("InvalidInstanceID.NotFound", "StopInstances", InstanceIds=[ident])
    await other.fails("InvalidInstanceID.NotFound", "DescribeInstanceAttribute", InstanceId=ident, Attribute="userData")
    await other.fails("InvalidInstanceID.NotFound", "GetConsoleOutput", InstanceId=ident)
    await other.fails("InvalidInstanceID.NotFound", "CreateTags", Resources=[ident], Tags=[{"Key": "a", "Value": "b"}])
    assert (await ec2.instance(ident))["State"]["Name"] in ("pending", "running")
    vol = (await ec2("CreateVolume", Size=1))["VolumeId"]
    await other.fails("InvalidVolume.NotFound", "DescribeVolumes", VolumeIds=[vol])
    await other.fails("InvalidVolume.NotFound", "DeleteVolume", VolumeId=vol)
    await other.fails("InvalidVolume.NotFound", "CreateSnapshot", VolumeId=vol)
    group = (await ec2("CreateSecurityGroup", GroupName="mine", Description="d"))["GroupId"]
    await other.fails("InvalidGroup.NotFound", "DeleteSecurityGroup", GroupId=group)
    await other.fails("InvalidGroup.NotFound", "CreateTags", Resources=[group], Tags=[{"Key": "a", "Value": "b"}])
    await ec2("TerminateInstances", InstanceIds=[ident])


async def test_tags(c: CloudClient, ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    ident = (await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny"))["Instances"][0][
        "InstanceId"
    ]
    vol = (await ec2("CreateVolume", Size=1))["VolumeId"]
    await ec2(
        "CreateTags", Resources=[ident, vol], Tags=[{"Key": "Name", "Value": "tagged"}, {"Key": "env", "Value": "ci"}]
    )
    inst = await ec2.instance(ident)
    assert {t["Key"]: t["Value"] for t in inst["Tags"]} == {"Name": "tagged", "env": "ci"}
    # The tags are the server's name and metadata in Nova.
    uuid = await ec2_uuid(c, ident)
    server = (await c.http.get(f"/compute/v2.1/servers/{uuid}", headers={"X-Auth-Token": await c.token("demo")})).json()
    assert server["server"]["name"] == "tagged" and server["server"]["metadata"] == {"env": "ci"}
    found = await ec2("DescribeInstances", Filters=[{"Name": "tag:env", "Values": ["ci"]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [ident]
    listed = await ec2("DescribeTags", Filters=[{"Name": "resource-id", "Values": [ident, vol]}])
    assert {(t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in listed["Tags"]} == {
        (ident, "instance", "Name", "tagged"),
        (ident, "instance", "env", "ci"),
        (vol, "volume", "Name", "tagged"),
        (vol, "volume", "env", "ci"),
    }
    await ec2("DeleteTags", Resources=[ident], Tags=[{"Key": "env"}])
    assert {t["Key"] for t in (await ec2.instance(ident))["Tags"]} == {"Name"}
    await ec2.fails("InvalidID", "CreateTags", Resources=["igw-12345678"], Tags=[{"Key": "a", "Value": "b"}])
    await ec2.fails(
        "InvalidAMIID.NotFound", "CreateTags", Resources=["ami-12345678"], Tags=[{"Key": "a", "Value": "b"}]
    )
    # Security groups keep their tags as Neutron's KEY=VALUE string tags.
    group = (await ec2("CreateSecurityGroup", GroupName="tagged", Description="d"))["GroupId"]
    await ec2("CreateTags", Resources=[group], Tags=[{"Key": "env", "Value": "ci"}, {"Key": "Name", "Value": "g"}])
    await ec2("CreateTags", Resources=[group], Tags=[{"Key": "env", "Value": "prod"}])
    shown = (await ec2("DescribeSecurityGroups", GroupIds=[group]))["SecurityGroups"][0]
    assert {t["Key"]: t["Value"] for t in shown["Tags"]} == {"env": "prod", "Name": "g"}
    found = await ec2("DescribeSecurityGroups", Filters=[{"Name": "tag:env", "Values": ["prod"]}])
    assert [g["GroupId"] for g in found["SecurityGroups"]] == [group]
    await ec2("DeleteTags", Resources=[group], Tags=[{"Key": "env"}])
    shown = (await ec2("DescribeSecurityGroups", GroupIds=[group]))["SecurityGroups"][0]
    assert {t["Key"]: t["Value"] for t in shown["Tags"]} == {"Name": "g"}
    listed = await ec2("DescribeTags", Filters=[{"Name": "resource-type", "Values": ["security-group"]}])
    assert {(t["ResourceId"], t["Key"]) for t in listed["Tags"]} == {(group, "Name")}
    # The admin's public image is not the demo project's to tag.
    public = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    await ec2.fails("UnauthorizedOperation", "CreateTags", Resources=[public], Tags=[{"Key": "a", "Value": "b"}])
    await ec2.fails(
        "InvalidInstanceID.NotFound", "CreateTags", Resources=["i-0badf00d"], Tags=[{"Key": "a", "Value": "b"}]
    )
    await ec2("TerminateInstances", InstanceIds=[ident])


async def ec2_uuid(c: CloudClient, ec2_id: str) -> str:
    ec2_service = next(s for s in c.cloud.services if s.name == "ec2")
    found = await ec2_service.ids.lookup(ec2_id)  # type: ignore[attr-defined]
    assert found is not None
    return str(found[1])


async def test_default_vpc_and_snapshots(ec2: Ec2) -> None:
    vpcs = (await ec2("DescribeVpcs"))["Vpcs"]
    default = [v for v in vpcs if v["IsDefault"]]
    assert len(default) == 1 and default[0]["VpcId"].startswith("vpc-") and default[0]["CidrBlock"]
    subnets = (await ec2("DescribeSubnets", Filters=[{"Name": "vpc-id", "Values": [default[0]["VpcId"]]}]))["Subnets"]
    assert subnets and subnets[0]["SubnetId"].startswith("subnet-") and subnets[0]["DefaultForAz"] is True
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2(
        "RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny", SubnetId=subnets[0]["SubnetId"]
    )
    ident = run["Instances"][0]["InstanceId"]
    inst = await ec2.wait_state(ident, "running")
    assert inst["VpcId"] == default[0]["VpcId"] and inst["SubnetId"] == subnets[0]["SubnetId"]
    in_vpc = await ec2("DescribeInstances", Filters=[{"Name": "vpc-id", "Values": [default[0]["VpcId"]]}])
    assert ident in {i["InstanceId"] for r in in_vpc["Reservations"] for i in r["Instances"]}
    assert not (await ec2("DescribeInstances", Filters=[{"Name": "subnet-id", "Values": ["subnet-00000000"]}]))[
        "Reservations"
    ]
    await ec2.fails(
        "InvalidSubnetID.NotFound", "RunInstances", ImageId=image, MinCount=1, MaxCount=1, SubnetId="subnet-0000beef"
    )
    vol = (await ec2("CreateVolume", Size=1))["VolumeId"]
    for _ in range(100):
        if (await ec2("DescribeVolumes", VolumeIds=[vol]))["Volumes"][0]["State"] == "available":
            break
        await asyncio.sleep(0.05)
    snap = await ec2("CreateSnapshot", VolumeId=vol, Description="nightly")
    assert snap["SnapshotId"].startswith("snap-") and snap["VolumeId"] == vol
    for _ in range(100):
        shown = (await ec2("DescribeSnapshots", SnapshotIds=[snap["SnapshotId"]]))["Snapshots"][0]
        if shown["State"] == "completed":
            break
        await asyncio.sleep(0.05)
    assert shown["State"] == "completed" and shown["Description"] == "nightly"
    await ec2("DeleteSnapshot", SnapshotId=snap["SnapshotId"])
    await ec2.fails("InvalidSnapshot.Malformed", "DescribeSnapshots", SnapshotIds=["snapshot-1"])
    await ec2("TerminateInstances", InstanceIds=[ident])


async def test_images_from_instances_and_instance_type(ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    ident = (await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="m1.tiny"))["Instances"][0][
        "InstanceId"
    ]
    await ec2.wait_state(ident, "running")
    await ec2.fails(
        "IncorrectInstanceState", "ModifyInstanceAttribute", InstanceId=ident, InstanceType={"Value": "m1.small"}
    )
    made = (await ec2("CreateImage", InstanceId=ident, Name="from-ec2"))["ImageId"]
    assert made.startswith("ami-") and made != image
    for _ in range(200):
        shown = (await ec2("DescribeImages", ImageIds=[made]))["Images"][0]
        if shown["State"] == "available":
            break
        await asyncio.sleep(0.05)
    assert shown["State"] == "available" and shown["Name"] == "from-ec2" and shown["Public"] is False
    assert [i["ImageId"] for i in (await ec2("DescribeImages", Owners=["self"]))["Images"]] == [made]
    await ec2("CreateTags", Resources=[made], Tags=[{"Key": "release", "Value": "1.0"}])
    tagged = await ec2("DescribeImages", Filters=[{"Name": "tag:release", "Values": ["1.*"]}])
    assert [i["ImageId"] for i in tagged["Images"]] == [made]
    assert tagged["Images"][0]["Tags"] == [{"Key": "release", "Value": "1.0"}]
    perm = await ec2("DescribeImageAttribute", ImageId=image, Attribute="launchPermission")
    assert perm["LaunchPermissions"] == [{"Group": "all"}]
    await ec2.fails("InvalidParameterValue", "DescribeImageAttribute", ImageId=image, Attribute="colour")
    await ec2.fails("AuthFailure", "DeregisterImage", ImageId=image)  # the admin's public image
    await ec2("DeregisterImage", ImageId=made)
    await ec2.fails("InvalidAMIID.NotFound", "DescribeImages", ImageIds=[made])

    # The groups of a running instance become exactly those named.
    extra = (await ec2("CreateSecurityGroup", GroupName="extra", Description="d"))["GroupId"]
    await ec2("ModifyInstanceAttribute", InstanceId=ident, Groups=[extra])
    for _ in range(100):
        groups = [g["GroupId"] for g in (await ec2.instance(ident))["SecurityGroups"]]
        if groups == [extra]:
            break
        await asyncio.sleep(0.05)
    assert groups == [extra]
    await ec2("StopInstances", InstanceIds=[ident])
    await ec2.wait_state(ident, "stopped")
    await ec2.fails(
        "InvalidParameterValue", "ModifyInstanceAttribute", InstanceId=ident, InstanceType={"Value": "huge"}
    )
    await ec2("ModifyInstanceAttribute", InstanceId=ident, InstanceType={"Value": "m1.small"})
    for _ in range(200):
        inst = await ec2.instance(ident)
        attr = await ec2("DescribeInstanceAttribute", InstanceId=ident, Attribute="instanceType")
        if inst["InstanceType"] == "m1.small" and attr["InstanceType"]["Value"] == "m1.small":
            break
        await asyncio.sleep(0.05)
    assert inst["InstanceType"] == "m1.small" and inst["State"]["Name"] == "stopped"
    await ec2("TerminateInstances", InstanceIds=[ident])


async def test_admin_maps_ids_both_ways(c: CloudClient, ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    admin = {"X-Auth-Token": await c.token("admin")}
    found = await c.http.get(f"/ec2/ids/{image}", headers=admin)
    assert found.status_code == 200, found.text
    (entry,) = found.json()["ids"]
    assert entry["kind"] == "image" and entry["ec2_id"] == image
    back = await c.http.get(f"/ec2/ids/{entry['uuid']}", headers=admin)
    assert back.json()["ids"] == [entry]
    refused = await c.http.get(f"/ec2/ids/{image}", headers={"X-Auth-Token": await c.token("demo")})
    assert refused.status_code == 403 and b"UnauthorizedOperation" in refused.content
    assert (await c.http.get("/ec2/ids/i-99999999", headers=admin)).status_code == 404
    assert (await c.http.get(f"/ec2/ids/{image}")).status_code == 401


async def test_run_with_block_device_mappings(ec2: Ec2) -> None:
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2(
        "RunInstances",
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m1.tiny",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/vdb", "Ebs": {"VolumeSize": 1, "DeleteOnTermination": True}},
            {"DeviceName": "/dev/vdc", "NoDevice": ""},
        ],
    )
    ident = run["Instances"][0]["InstanceId"]
    inst = await ec2.wait_state(ident, "running")
    volumes = [m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]]
    assert len(volumes) == 1
    shown = (await ec2("DescribeVolumes", VolumeIds=volumes))["Volumes"][0]
    assert shown["Size"] == 1 and shown["Attachments"][0]["InstanceId"] == ident
    await ec2.fails(
        "MissingParameter",
        "RunInstances",
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/vdb", "Ebs": {"DeleteOnTermination": True}}],
    )
    # An EBS root of 2 GiB: booted from a volume made from the image.
    rooted = await ec2(
        "RunInstances",
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m1.tiny",
        BlockDeviceMappings=[{"DeviceName": "/dev/vda", "Ebs": {"VolumeSize": 2}}],
    )
    root_ident = rooted["Instances"][0]["InstanceId"]
    root_inst = await ec2.wait_state(root_ident, "running")
    assert root_inst["RootDeviceType"] == "ebs" and "ImageId" not in root_inst
    (root_volume,) = [m["Ebs"]["VolumeId"] for m in root_inst["BlockDeviceMappings"]]
    assert (await ec2("DescribeVolumes", VolumeIds=[root_volume]))["Volumes"][0]["Size"] == 2
    await ec2("TerminateInstances", InstanceIds=[ident, root_ident])
    await ec2.wait_state(ident, "terminated")
    volumes.append(root_volume)
    for _ in range(200):
        left = (await ec2("DescribeVolumes", Filters=[{"Name": "volume-id", "Values": volumes}]))["Volumes"]
        if not left:
            break
        await asyncio.sleep(0.05)
    assert not left  # deleted with the instance


async def test_create_and_delete_vpcs(ec2: Ec2) -> None:
    vpc = (await ec2("CreateVpc", CidrBlock="10.20.0.0/16"))["Vpc"]
    assert vpc["VpcId"].startswith("vpc-") and vpc["CidrBlock"] == "10.20.0.0/16" and vpc["IsDefault"] is False
    await ec2.fails("InvalidVpc.Range", "CreateVpc", CidrBlock="10.0.0.0/8")
    await ec2.fails("InvalidSubnet.Range", "CreateSubnet", VpcId=vpc["VpcId"], CidrBlock="10.30.1.0/24")
    subnet = (await ec2("CreateSubnet", VpcId=vpc["VpcId"], CidrBlock="10.20.1.0/24"))["Subnet"]
    assert subnet["VpcId"] == vpc["VpcId"] and subnet["AvailableIpAddressCount"] == 253
    shown = (await ec2("DescribeVpcs", VpcIds=[vpc["VpcId"]]))["Vpcs"][0]
    assert shown["CidrBlock"] == "10.20.0.0/16"
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"])
    ident = run["Instances"][0]["InstanceId"]
    inst = await ec2.wait_state(ident, "running")
    assert inst["SubnetId"] == subnet["SubnetId"] and inst["PrivateIpAddress"].startswith("10.20.1.")
    await ec2.fails("DependencyViolation", "DeleteVpc", VpcId=vpc["VpcId"])
    await ec2("TerminateInstances", InstanceIds=[ident])
    await ec2.wait_state(ident, "terminated")
    for _ in range(100):
        try:
            await ec2("DeleteSubnet", SubnetId=subnet["SubnetId"])
            break
        except Exception:
            await asyncio.sleep(0.05)
    await ec2("DeleteVpc", VpcId=vpc["VpcId"])
    await ec2.fails("InvalidVpcID.NotFound", "DescribeVpcs", VpcIds=[vpc["VpcId"]])


async def test_pages_and_presigned_urls(c: CloudClient, ec2: Ec2) -> None:
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=7, MaxCount=7, InstanceType="m1.tiny")
    ids = {i["InstanceId"] for i in run["Instances"]}
    seen: list[str] = []
    token = None
    while True:
        page = await ec2("DescribeInstances", MaxResults=5, **({"NextToken": token} if token else {}))
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
        token = page.get("NextToken")
        if not token:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    # A presigned GET (query-string Signature Version 4), good for its X-Amz-Expires.
    url = "http://pocketstack.test/ec2/?Action=DescribeRegions&Version=2016-11-15"
    request = AWSRequest("GET", url)
    SigV4QueryAuth(ec2.credentials, "ec2", "RegionOne", expires=60).add_auth(request)
    answer = await c.http.get(request.url)
    assert answer.status_code == 200 and b"RegionOne" in answer.content
    await ec2("TerminateInstances", InstanceIds=sorted(ids))


async def test_every_action_with_missing_or_junk_parameters_is_never_a_server_error(c: CloudClient, ec2: Ec2) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    from pocketstack.ec2.actions import ACTIONS

    junk = (
        "",
        "InstanceId=i-zz&ImageId=ami-1&VolumeId=vol-&GroupId=sg-00000000&MinCount=x&MaxCount=-1",
        "InstanceId.1=i-00000000&Filter.1.Value.1=x&MaxResults=99999&NextToken=9999",
        "Filter.1.Name=tag:&Filter.1.Value.1=*&KeyName=%00&CidrBlock=300.1.1.1/99&Size=0",
        "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=a&GroupName=none&AllocationId=eipalloc-zz",
        "ResourceId.1=i-00000000&Tag.1.Key=aws:x&PublicIp=1.2.3.4&AssociationId=eipassoc-zz&SnapshotId=snap-1",
    )
    for action in sorted(ACTIONS):
        for extra in junk:
            body = f"Action={action}&Version=2016-11-15" + (f"&{extra}" if extra else "")
            request = AWSRequest(
                "POST",
                "http://pocketstack.test/ec2/",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            )
            SigV4Auth(ec2.credentials, "ec2", "RegionOne").add_auth(request)
            status, answer = await ec2.send(request)
            assert status < 500, (action, extra, answer)
            if status >= 400:
                assert b"<Code>" in answer and b"<RequestID>" in answer, (action, extra, answer)


async def test_failed_launch_ends_terminated_with_its_reason(c: CloudClient, ec2: Ec2) -> None:
    admin = {"X-Auth-Token": await c.token("admin")}
    # More memory than a fake host has (32 GB), less than the quota: no host takes it.
    flavor = {"flavor": {"name": "ec2-huge", "ram": 40_000, "vcpus": 1, "disk": 1}}
    made = await c.http.post("/compute/v2.1/flavors", json=flavor, headers=admin)
    assert made.status_code == 200, made.text
    image = (await ec2("DescribeImages"))["Images"][0]["ImageId"]
    run = await ec2("RunInstances", ImageId=image, MinCount=1, MaxCount=1, InstanceType="ec2-huge")
    ident = run["Instances"][0]["InstanceId"]
    done = await ec2.wait_state(ident, "terminated")
    assert done["StateReason"]["Code"] == "Server.InternalError" and done["StateReason"]["Message"]
    await ec2("TerminateInstances", InstanceIds=[ident])
