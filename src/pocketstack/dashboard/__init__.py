"""The web dashboard (``/dashboard``): a client of the public APIs with the user's own
token (``pocketstack.client``), server-rendered pages with a little JavaScript."""

from pocketstack.dashboard.app import DashboardApp

__all__ = ["DashboardApp"]
