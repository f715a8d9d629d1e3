"""What the image handlers work with: the database, the store and the limits."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.common.config import ImageConfig
from pocketstack.db import Database
from pocketstack.image.store import ImageStore


@dataclass(frozen=True, slots=True)
class ImageDeps:
    db: Database
    store: ImageStore
    limits: ImageConfig
