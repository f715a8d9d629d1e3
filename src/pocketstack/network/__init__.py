"""The network service: Neutron v2.0 API, IPAM, port binding, and the per-host agent."""
