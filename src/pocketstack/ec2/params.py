"""The Query API's flat parameters (``Filter.1.Name``, ``Filter.1.Value.2``,
``IpPermissions.1.IpRanges.1.CidrIp``) read as values, numbered lists and structures."""

from __future__ import annotations

import builtins

from pocketstack.ec2.errors import invalid, missing


class Params:
    """A view of the request's parameters under ``prefix`` (``""``: the top)."""

    def __init__(self, flat: dict[str, str], prefix: str = "") -> None:
        self.flat = flat
        self.prefix = prefix

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.flat.get(self.prefix + name, default)

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(self.prefix + name)
        return value

    def int(self, name: str, default: int | None = None, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(self.prefix + name, raw, "An integer is required.") from None
        if not minimum <= value <= maximum:
            raise invalid(self.prefix + name, raw, f"It must be between {minimum} and {maximum}.")
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise invalid(self.prefix + name, raw, "A boolean is required.")

    def _numbers(self, name: str) -> list[tuple[builtins.int, str]]:
        """The (N, key prefix) of ``name.N`` in the request, in N's order."""
        head = self.prefix + name + "."
        found: dict[builtins.int, str] = {}
        for key in self.flat:
            if key.startswith(head):
                number = key[len(head) :].split(".", 1)[0]
                if number.isdigit():
                    found[int(number)] = f"{head}{number}"
        return sorted(found.items())

    def strings(self, name: str) -> list[str]:
        """``name.1``, ``name.2``, ...: the values in order."""
        return [self.flat[key] for _, key in self._numbers(name) if key in self.flat]

    def structs(self, name: str) -> list[Params]:
        """``name.N.Member``: one view per N."""
        return [Params(self.flat, key + ".") for _, key in self._numbers(name)]

    def filters(self) -> dict[str, list[str]]:
        """``Filter.N.Name`` and ``Filter.N.Value.M``: name -> values."""
        out: dict[str, list[str]] = {}
        for item in self.structs("Filter"):
            out.setdefault(item.require("Name"), []).extend(item.strings("Value"))
        return out
