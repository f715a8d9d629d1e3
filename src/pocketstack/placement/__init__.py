"""Placement 1.x: resource providers, inventories, allocations, traits, aggregates and
allocation candidates, modelled on openstack/placement."""
