"""Domain errors named and worded the way Neutron names them (its ``type`` field).

Clients (openstacksdk, the CLI) show the message; some code matches on the type, so the
names follow Neutron's exception classes.
"""

from __future__ import annotations

from pocketstack.common import errors as e

_NOT_FOUND_WORDING = {
    "Network": "Network {id} could not be found.",
    "Subnet": "Subnet {id} could not be found.",
    "Port": "Port {id} could not be found.",
    "SecurityGroup": "Security group {id} does not exist",
    "SecurityGroupRule": "Security group rule {id} does not exist",
    "Router": "Router {id} could not be found",
    "FloatingIP": "Floating IP {id} could not be found",
    "Agent": "Agent {id} could not be found",
    "SubnetPool": "Subnet pool {id} could not be found.",
    "AvailabilityZone": "AvailabilityZone {id} could not be found.",
}


def not_found(noun: str, ident: str) -> e.NotFound:
    # Neutron's generic NotFound wording for the nouns without their own.
    wording = _NOT_FOUND_WORDING.get(noun, noun + " {id} could not be found.")
    return e.NotFound(wording.format(id=ident), kind=f"{noun}NotFound")


def invalid(message: str) -> e.Invalid:
    return e.Invalid(f"Invalid input for operation: {message}", kind="InvalidInput")


def bad_request(resource: str, message: str) -> e.Invalid:
    return e.Invalid(f"Bad {resource} request: {message}", kind="BadRequest")


def conflict(kind: str, message: str) -> e.Conflict:
    return e.Conflict(message, kind=kind)


def over_quota(resource: str) -> e.Conflict:
    return e.Conflict(f"Quota exceeded for resources: ['{resource}'].", kind="OverQuota")


def forbidden(action: str) -> e.Forbidden:
    return e.Forbidden(f"rule:{action} is disallowed by policy", kind="PolicyNotAuthorized")


def ip_exhausted(network_id: str) -> e.Conflict:
    return e.Conflict(f"No more IP addresses available on network {network_id}.", kind="IpAddressGenerationFailure")


def bad_input(kind: str, message: str) -> e.Invalid:
    return e.Invalid(message, kind=kind)


def not_found_text(kind: str, message: str) -> e.NotFound:
    return e.NotFound(message, kind=kind)
