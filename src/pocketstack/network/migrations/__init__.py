"""Alembic revisions of the network service (version table ``alembic_version_network``)."""
