"""Filters on the host itself: service state, availability zone, image properties."""

from __future__ import annotations

from pocketstack.compute.scheduler.filters import Filter
from pocketstack.compute.scheduler.host_state import HostState, RequestSpec


class RetryFilter(Filter):
    """Skips hosts this build already failed on."""

    name = "RetryFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.host not in spec.ignore_hosts


class RequestedDestinationFilter(Filter):
    """Only the host (and node) an admin asked for, when one was."""

    name = "RequestedDestinationFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        if spec.requested_host and host.host != spec.requested_host:
            return False
        return not spec.requested_node or host.node == spec.requested_node


class ComputeFilter(Filter):
    """Only enabled compute services that sent a heartbeat recently."""

    name = "ComputeFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.enabled and host.up


class AvailabilityZoneFilter(Filter):
    name = "AvailabilityZoneFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not spec.availability_zone or spec.availability_zone == host.zone


class ImagePropertiesFilter(Filter):
    """The image's architecture and hypervisor_type properties must match the host."""

    name = "ImagePropertiesFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        props = spec.image_properties
        arch = props.get("architecture") or props.get("hw_architecture")
        if arch and str(arch).lower() not in (host.arch, "x86_64" if host.arch == "amd64" else host.arch):
            return False
        htype = props.get("hypervisor_type") or props.get("img_hv_type")
        return not htype or str(htype).lower() in (
            host.hypervisor_type,
            "qemu" if host.hypervisor_type == "kvm" else host.hypervisor_type,
        )
