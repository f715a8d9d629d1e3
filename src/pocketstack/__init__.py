"""pocketstack: a compact, real cloud that speaks the OpenStack APIs."""

__version__ = "0.1.0"
