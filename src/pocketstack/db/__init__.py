"""The database layer: async engine per URL, reader/writer transactions, migrations."""

from pocketstack.db.engine import Database

__all__ = ["Database"]
