"""Object-store backends: the contract (``base.py``) and the file backend."""

from pocketstack.object.store.base import Blob, BlobMismatch, BlobNotFound, ObjectBackend
from pocketstack.object.store.file import FileBackend

__all__ = ["Blob", "BlobMismatch", "BlobNotFound", "FileBackend", "ObjectBackend"]
