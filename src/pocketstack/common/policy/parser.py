"""The oslo.policy rule language, parsed into ``Check`` trees.

Grammar (``not`` binds tighter than ``and``, which binds tighter than ``or``)::

    rule   := ""                          (always allowed)
            | expr
    expr   := term ("or" term)*
    term   := factor ("and" factor)*
    factor := "not" factor | "(" expr ")" | check
    check  := "@" | "!" | "role:NAME" | "rule:NAME" | "field:RES:ATTR=VALUE"
            | KIND ":" MATCH               (a generic check against the target)

Parenthesised templates such as ``%(project_id)s`` belong to the check they are in;
they are not grouping.
"""

from __future__ import annotations

import re

from pocketstack.common.policy.checks import Always, And, Check, Field, Generic, Never, Not, Or, Role, RuleRef

# A token is a parenthesis or a run of anything else that is not blank: templates and
# quoted literals may contain parentheses or blanks and stay whole.
_TOKEN = re.compile(r"""\(|\)|(?:%\([^)]*\)s|'[^']*'|"[^"]*"|[^\s()'"])+""")
_KEYWORDS = ("and", "or", "not")


class PolicySyntaxError(ValueError):
    """A rule string that is not in the rule language; the message says where."""


def parse(text: str) -> Check:
    """Parse one rule string. Raises ``PolicySyntaxError``."""
    if not isinstance(text, str):
        raise PolicySyntaxError(f"a rule must be a string, not {type(text).__name__}")
    if not text.strip():
        return Always()
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    check = parser.expr()
    if parser.pos != len(tokens):
        raise PolicySyntaxError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    return check


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        gap = text[pos : m.start()]
        if gap.strip():
            raise PolicySyntaxError(f"unbalanced quote in {text!r}")
        tokens.append(m.group())
        pos = m.end()
    if text[pos:].strip():
        raise PolicySyntaxError(f"unbalanced quote in {text!r}")
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.lower() == word:
            self.pos += 1
            return True
        return False

    def expr(self) -> Check:
        parts = [self.term()]
        while self._keyword("or"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def term(self) -> Check:
        parts = [self.factor()]
        while self._keyword("and"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def factor(self) -> Check:
        token = self._peek()
        if token is None:
            raise PolicySyntaxError(f"{self.text!r} ends where a check was expected")
        if self._keyword("not"):
            return Not(self.factor())
        if token == "(":
            self.pos += 1
            inner = self.expr()
            if self._peek() != ")":
                raise PolicySyntaxError(f"missing ')' in {self.text!r}")
            self.pos += 1
            return inner
        if token == ")" or token.lower() in _KEYWORDS:
            raise PolicySyntaxError(f"unexpected {token!r} where a check was expected in {self.text!r}")
        self.pos += 1
        return check(token)


def check(token: str) -> Check:
    """One check token (``role:admin``, ``@``, ``project_id:%(project_id)s``, ...)."""
    if token == "@":
        return Always()
    if token == "!":
        return Never()
    kind, sep, match = token.partition(":")
    if not sep or not kind or not match:
        raise PolicySyntaxError(f"{token!r} is not a check: expected KIND:MATCH, '@' or '!'")
    if kind == "rule":
        return RuleRef(match)
    if kind == "role":
        return Role(match)
    if kind == "field":
        resource, sep2, rest = match.partition(":")
        attribute, sep3, value = rest.partition("=")
        if not (sep2 and sep3 and resource and attribute):
            raise PolicySyntaxError(f"{token!r}: expected field:RESOURCE:ATTRIBUTE=VALUE")
        if value.startswith("~"):
            try:
                re.compile(value[1:])
            except re.error as exc:
                raise PolicySyntaxError(f"{token!r}: bad regular expression: {exc}") from None
        return Field(resource, attribute, value)
    if kind in ("http", "https"):
        # A remote policy server per request is not something pocketstack calls out to.
        raise PolicySyntaxError(f"{token!r}: http checks are not supported")
    if kind[:1] in ("'", '"') and (len(kind) < 2 or kind[-1] != kind[0]):
        raise PolicySyntaxError(f"{token!r}: unbalanced quote")
    return Generic(kind, match)
