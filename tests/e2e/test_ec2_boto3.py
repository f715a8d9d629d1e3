"""The EC2 API driven by the real boto3 and AWS CLI against `pocketstack up --driver
fake`, with credentials from `openstack ec2 credentials create`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

AWS = str(Path(sys.executable).parent / "aws")
WAIT = {"Delay": 1, "MaxAttempts": 90}
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQK2qK7nGzvqD0i0mV2cBtLw1sW8Qy3w4y7J1xWkq9d e2e"


@pytest.fixture(scope="module")
def keys(cloud: Any) -> dict[str, str]:
    made = cloud.openstack("ec2", "credentials", "create", "-f", "json", user="demo")
    return {"access": str(made["access"]), "secret": str(made["secret"])}


@pytest.fixture(scope="module")
def ec2(cloud: Any, keys: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    import boto3

    disk = tmp_path_factory.mktemp("ec2img") / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    cloud.openstack(
        "image",
        "create",
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--public",
        "--file",
        str(disk),
        "ec2-e2e",
    )
    cloud.openstack("network", "create", "--external", "--default", "ec2-public")
    cloud.openstack("subnet", "create", "--network", "ec2-public", "--subnet-range", "172.25.0.0/24", "ec2-public-v4")
    return boto3.client(
        "ec2",
        endpoint_url=f"{cloud.url}/ec2",
        region_name="RegionOne",
        aws_access_key_id=keys["access"],
        aws_secret_access_key=keys["secret"],
    )


def _instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    return dict(ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0])


def test_boto3_instance_flow(cloud: Any, ec2: Any) -> None:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": ["ec2-e2e"]}])["Images"]
    image_id = images[0]["ImageId"]
    assert image_id.startswith("ami-")
    ec2.import_key_pair(KeyName="e2e-key", PublicKeyMaterial=PUBLIC_KEY.encode())
    group = ec2.create_security_group(GroupName="e2e-ssh", Description="ssh in")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    run = ec2.run_instances(
        ImageId=image_id,
        InstanceType="tiny",
        MinCount=1,
        MaxCount=1,
        KeyName="e2e-key",
        SecurityGroupIds=[group],
        UserData="#!/bin/sh\necho hello from ec2\n",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "ec2-e2e-vm"}]}],
    )
    instance_id = run["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    inst = _instance(ec2, instance_id)
    assert inst["State"] == {"Code": 16, "Name": "running"}
    assert inst["InstanceType"] == "m1.tiny" and inst["KeyName"] == "e2e-key"
    assert inst["PrivateIpAddress"]
    # The fake driver's console log carries its boot lines.
    console = ec2.get_console_output(InstanceId=instance_id)
    assert console["InstanceId"] == instance_id
    assert "pocketstack guest up" in console["Output"]  # boto3 decodes the base64
    # The same server in the OpenStack API, named from the Name tag.
    servers = cloud.openstack("server", "list", "-f", "json", user="demo")
    assert "ec2-e2e-vm" in {s["Name"] for s in servers}
    tagged = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["ec2-e2e-vm"]}])
    assert [i["InstanceId"] for r in tagged["Reservations"] for i in r["Instances"]] == [instance_id]
    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "stage", "Value": "e2e"}])
    staged = ec2.describe_instances(Filters=[{"Name": "tag:stage", "Values": ["e2e"]}])
    assert [i["InstanceId"] for r in staged["Reservations"] for i in r["Instances"]] == [instance_id]
    shown = cloud.openstack("server", "show", "ec2-e2e-vm", "-f", "json", user="demo")
    assert "stage" in str(shown["properties"])  # the tag is the server's metadata

    address = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=instance_id)
    shown = ec2.describe_addresses(AllocationIds=[address["AllocationId"]])["Addresses"][0]
    assert shown["InstanceId"] == instance_id

    volume = ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"]
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig=WAIT)
    ec2.attach_volume(VolumeId=volume, InstanceId=instance_id, Device="/dev/vdb")
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume], WaiterConfig=WAIT)
    ec2.detach_volume(VolumeId=volume)
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig=WAIT)
    ec2.delete_volume(VolumeId=volume)

    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    ec2.start_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    ec2.disassociate_address(AssociationId="eipassoc-" + address["AllocationId"].split("-", 1)[1])
    ec2.release_address(AllocationId=address["AllocationId"])
    ec2.terminate_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    assert _instance(ec2, instance_id)["State"]["Name"] == "terminated"


def test_boto3_errors(ec2: Any) -> None:
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ec2.describe_instances(InstanceIds=["i-00000000"])
    assert caught.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    assert caught.value.response["ResponseMetadata"]["RequestId"].startswith("req-")


def test_aws_cli_describe_instances(cloud: Any, ec2: Any, keys: dict[str, str], tmp_path: Path) -> None:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": ["ec2-e2e"]}])["Images"]
    run = ec2.run_instances(ImageId=images[0]["ImageId"], InstanceType="m1.tiny", MinCount=1, MaxCount=1)
    instance_id = run["Instances"][0]["InstanceId"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=keys["access"],
        AWS_SECRET_ACCESS_KEY=keys["secret"],
        AWS_DEFAULT_REGION="RegionOne",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    proc = subprocess.run(
        [AWS, "ec2", "describe-instances", "--endpoint-url", f"{cloud.url}/ec2", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert instance_id in {i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]}
    ec2.terminate_instances(InstanceIds=[instance_id])


def test_another_projects_key_sees_nothing(cloud: Any, ec2: Any) -> None:
    import boto3
    import botocore.exceptions

    images = ec2.describe_images(Filters=[{"Name": "name", "Values": ["ec2-e2e"]}])["Images"]
    instance_id = ec2.run_instances(ImageId=images[0]["ImageId"], InstanceType="m1.tiny", MinCount=1, MaxCount=1)[
        "Instances"
    ][0]["InstanceId"]
    made = cloud.openstack("ec2", "credentials", "create", "-f", "json")  # the admin project's key
    other = boto3.client(
        "ec2",
        endpoint_url=f"{cloud.url}/ec2",
        region_name="RegionOne",
        aws_access_key_id=str(made["access"]),
        aws_secret_access_key=str(made["secret"]),
    )
    seen = {i["InstanceId"] for r in other.describe_instances()["Reservations"] for i in r["Instances"]}
    assert instance_id not in seen
    for call in (
        lambda: other.describe_instances(InstanceIds=[instance_id]),
        lambda: other.terminate_instances(InstanceIds=[instance_id]),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    ec2.terminate_instances(InstanceIds=[instance_id])


def test_catalog_lists_the_ec2_endpoint(cloud: Any) -> None:
    catalog = cloud.openstack("catalog", "list", "-f", "json", user="demo")
    ec2 = next(e for e in catalog if e["Type"] == "ec2")
    assert f"{cloud.url}/ec2" in {ep["url"] for ep in ec2["Endpoints"]}
