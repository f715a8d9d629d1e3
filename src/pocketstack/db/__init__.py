"""The database layer: async engine per URL, reader/writer transactions, migrations."""

from pocketstack.db.engine import Database
from pocketstack.db.models import make_base

__all__ = ["Database", "make_base"]
