"""The image store (DESIGN §4): put (streamed, hashed), get (streamed), delete.

``base`` holds the contract, ``filesystem`` the real backend under DATA_DIR/images and
``fake`` an in-memory backend with failure injection for tests.
"""

from pocketstack.image.store.base import (
    CHUNK_SIZE,
    ImageStore,
    StoredData,
    StoreFull,
    StoreLimitExceeded,
    StoreNotFound,
)

__all__ = ["CHUNK_SIZE", "ImageStore", "StoreFull", "StoreLimitExceeded", "StoreNotFound", "StoredData"]
