"""The compute agent: one per host; owns the host's VMs through its virt driver."""
