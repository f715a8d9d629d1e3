"""The ``pocketstack`` command."""
