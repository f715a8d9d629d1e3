"""The actions the EC2 API answers: one function per action, by noun."""

from __future__ import annotations

from pocketstack.ec2.actions import addresses, images, instances, keypairs, regions, security_groups, volumes
from pocketstack.ec2.call import Action

ACTIONS: dict[str, Action] = {
    "DescribeRegions": regions.describe_regions,
    "DescribeAvailabilityZones": regions.describe_availability_zones,
    "DescribeImages": images.describe_images,
    "CreateKeyPair": keypairs.create_key_pair,
    "ImportKeyPair": keypairs.import_key_pair,
    "DescribeKeyPairs": keypairs.describe_key_pairs,
    "DeleteKeyPair": keypairs.delete_key_pair,
    "CreateSecurityGroup": security_groups.create_security_group,
    "DescribeSecurityGroups": security_groups.describe_security_groups,
    "DeleteSecurityGroup": security_groups.delete_security_group,
    "AuthorizeSecurityGroupIngress": security_groups.authorize_security_group_ingress,
    "AuthorizeSecurityGroupEgress": security_groups.authorize_security_group_egress,
    "RevokeSecurityGroupIngress": security_groups.revoke_security_group_ingress,
    "RevokeSecurityGroupEgress": security_groups.revoke_security_group_egress,
    "RunInstances": instances.run_instances,
    "DescribeInstances": instances.describe_instances,
    "DescribeInstanceStatus": instances.describe_instance_status,
    "DescribeInstanceAttribute": instances.describe_instance_attribute,
    "StartInstances": instances.start_instances,
    "StopInstances": instances.stop_instances,
    "RebootInstances": instances.reboot_instances,
    "TerminateInstances": instances.terminate_instances,
    "GetConsoleOutput": instances.get_console_output,
    "AllocateAddress": addresses.allocate_address,
    "AssociateAddress": addresses.associate_address,
    "DisassociateAddress": addresses.disassociate_address,
    "ReleaseAddress": addresses.release_address,
    "DescribeAddresses": addresses.describe_addresses,
    "CreateVolume": volumes.create_volume,
    "DescribeVolumes": volumes.describe_volumes,
    "AttachVolume": volumes.attach_volume,
    "DetachVolume": volumes.detach_volume,
    "DeleteVolume": volumes.delete_volume,
}
