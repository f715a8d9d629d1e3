"""What the image handlers work with: the database, the store and the limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pocketstack.common.config import ImageConfig
from pocketstack.db import Database
from pocketstack.image.store import ImageStore

if TYPE_CHECKING:
    from pocketstack.bus import Bus


@dataclass(frozen=True, slots=True)
class ImageDeps:
    db: Database
    store: ImageStore
    limits: ImageConfig
    # Where notifications go (image/events.py); None: nowhere.
    bus: Bus | None = None
