"""Compute's domain logic, one noun per module, raising pocketstack.common.errors only."""
