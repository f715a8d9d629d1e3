"""Microversion negotiation (``OpenStack-API-Version: compute 2.53`` and legacy headers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pocketstack.common.errors import Invalid, NotAcceptable

_VERSION = re.compile(r"^([1-9]\d*)\.(0|[1-9]\d*)$")


@dataclass(frozen=True, order=True, slots=True)
class Version:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.match(text.strip())
        if not m:
            raise Invalid(f"Invalid microversion {text!r}: expected MAJOR.MINOR or 'latest'")
        return cls(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True, slots=True)
class Microversions:
    service_type: str
    minimum: Version
    maximum: Version
    legacy_header: str | None = None

    def negotiate(self, headers: dict[str, str]) -> Version:
        """The version the request asks for; the minimum when it names none."""
        requested: str | None = None
        raw = headers.get("openstack-api-version")
        if raw:
            for part in raw.split(","):
                words = part.strip().split()
                if len(words) == 2 and words[0].lower() == self.service_type:
                    requested = words[1]
        if requested is None and self.legacy_header:
            requested = headers.get(self.legacy_header)
        if requested is None:
            return self.minimum
        if requested.strip().lower() == "latest":
            return self.maximum
        version = Version.parse(requested)
        if not (self.minimum <= version <= self.maximum):
            raise NotAcceptable(
                f"Version {version} is not supported by the API. "
                f"Minimum is {self.minimum} and maximum is {self.maximum}."
            )
        return version

    def response_headers(self, version: Version) -> list[tuple[str, str]]:
        headers = [("openstack-api-version", f"{self.service_type} {version}"), ("vary", "OpenStack-API-Version")]
        if self.legacy_header:
            headers.append((self.legacy_header, str(version)))
        return headers
