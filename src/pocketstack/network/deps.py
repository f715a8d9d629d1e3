"""What handlers are given: the service's database and its port binder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pocketstack.db import Database

if TYPE_CHECKING:
    from pocketstack.bus import Bus
    from pocketstack.network.binding import Binder


@dataclass
class Deps:
    db: Database
    binder: Binder
    # Where notifications go (network/events.py); None: nowhere.
    bus: Bus | None = None
