"""Benchmarks: each prints a JSON result and a one-line summary."""
