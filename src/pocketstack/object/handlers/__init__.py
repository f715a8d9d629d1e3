"""Handlers of the object storage API, one module per noun."""
