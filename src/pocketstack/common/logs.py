"""Process logging with secrets redacted.

pocketstack's own log calls name ids, never tokens or passwords. Libraries are another
matter at DEBUG (httpcore prints response headers, an AMQP client may print a frame,
a driver's error may quote a URL with its password), so every record the process's
handlers write goes through ``Redactor`` first: tokens become a short hash (enough to
tell two apart in a log), passwords, secrets, password hashes, private keys and the
password of a URL become ``***``.
"""

from __future__ import annotations

import hashlib
import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_FERNET = re.compile(r"gAAAAA[0-9A-Za-z_\-]{20,}={0,2}")
_HEADER = re.compile(
    r"(?i)((?:x-auth-token|x-subject-token|x-service-token|authorization)['\"]?\s*[:=,]\s*b?['\"]?)"
    r"([^'\"\s,)\]}]+)"
)
_FIELD = re.compile(
    r"(?i)(['\"](?:password|original_password|secret|adminPass|admin_pass|auth_token|service_token|"
    r"[a-z_]*_password)['\"]\s*:\s*b?['\"])((?:[^'\"\\]|\\.)*)"
)
_BCRYPT = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")
_PEM_KEY = re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.S)
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.\-]*://[^:/@\s]*:)([^@\s/]+)(@)")


def token_hash(token: str) -> str:
    """What a log may show of a token: a short digest."""
    return "token-sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def redact(text: str) -> str:
    text = _PEM_KEY.sub(lambda m: f"-----{m.group(1)}PRIVATE KEY (redacted)-----", text)
    text = _FERNET.sub(lambda m: token_hash(m.group(0)), text)
    text = _HEADER.sub(lambda m: m.group(1) + _short(m.group(2)), text)
    text = _FIELD.sub(lambda m: m.group(1) + "***", text)
    text = _BCRYPT.sub("***", text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + "***" + m.group(3), text)


def _short(value: str) -> str:
    return value if value.startswith(("token-sha256:", "***")) else token_hash(value)


class Redactor(logging.Filter):
    """A handler filter: the record's message and traceback, redacted."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup(level: str) -> None:
    """Log to stderr at ``level`` through the redactor (the CLI's processes)."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    redact_handlers()


def redact_handlers() -> None:
    """The redactor on every handler configured so far: the root's, and those of loggers
    that do not propagate (uvicorn installs its own when its server is configured)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, Redactor) for f in handler.filters):
                handler.addFilter(Redactor())
