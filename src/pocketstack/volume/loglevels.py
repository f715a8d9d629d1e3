"""Log levels of the volume service at run time (os-services set-log/get-log, 3.32).

cinder-api, cinder-scheduler and cinder-volume all run in this process, so they share
its loggers; only the volume service's own (``pocketstack.volume...``) are changed or
shown, so that in the all-in-one the other services' logging is left alone."""

from __future__ import annotations

import logging

from pocketstack.common.errors import Invalid

ROOT = "pocketstack.volume"
LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET")


def _loggers(prefix: str) -> list[logging.Logger]:
    names = [n for n in logging.root.manager.loggerDict if n.startswith(ROOT) and n.startswith(prefix or "")]
    if ROOT.startswith(prefix or ""):
        names.append(ROOT)
    return [logging.getLogger(n) for n in sorted(set(names))]


def set_levels(prefix: str | None, level: str) -> None:
    upper = level.upper()
    if upper not in LEVELS:
        raise Invalid(f"Invalid input received: Invalid log level {level!r}; use one of {', '.join(LEVELS)}.")
    for logger in _loggers(prefix or ""):
        logger.setLevel(upper)


def get_levels(prefix: str | None) -> dict[str, str]:
    return {lg.name: logging.getLevelName(lg.getEffectiveLevel()) for lg in _loggers(prefix or "")}
