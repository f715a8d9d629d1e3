"""Alembic revisions of the object storage service."""
