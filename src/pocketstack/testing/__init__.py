"""Shipped test helpers: the in-process cloud fixture and fakes with failure injection."""
