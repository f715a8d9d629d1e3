"""Compute API v2.1: route table, handlers, schemas, policy and views."""
