"""Fuzz every route of every service from its OpenAPI document and report what was found.

The same engine as the fuzz test layer (pocketstack.testing.fuzz): the whole cloud
in-process, schemathesis generating valid and invalid requests from
``/<service>/openapi.json``, every answer held to no 5xx and its documented status,
content type and shape. More examples per route than CI's layer finds more.

Usage: python bench/fuzz.py [--examples 8] [--services identity,compute,...]
                           [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/EMPTY_DB]
Prints one JSON document (per service: routes covered, requests sent, statuses,
5xx found, failures with the request that caused each), then a one-line summary.
Exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from pocketstack.testing.fuzz import SERVICES, FuzzCloud, fuzz_service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8, help="generated requests per route")
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument("--database-url", default="", help="an empty database to run on (default: SQLite)")
    args = parser.parse_args()
    started = time.monotonic()
    reports = []
    with tempfile.TemporaryDirectory(prefix="pocketstack-fuzz-") as tmp:
        cloud = FuzzCloud(Path(tmp), args.database_url)
        try:
            for service in args.services.split(","):
                reports.append(fuzz_service(cloud, service.strip(), args.examples).as_dict())
        finally:
            cloud.close()
    result = {
        "examples_per_route": args.examples,
        "routes_covered": sum(r["routes_covered"] for r in reports),
        "requests": sum(r["requests"] for r in reports),
        "server_errors": sum(r["server_errors"] for r in reports),
        "failures": sum(len(r["failures"]) for r in reports),
        "seconds": round(time.monotonic() - started, 1),
        "services": reports,
    }
    print(json.dumps(result, indent=2))
    print(
        f"fuzz: {result['routes_covered']} routes, {result['requests']} requests, "
        f"{result['server_errors']} 5xx, {result['failures']} failures in {result['seconds']} s"
    )
    sys.exit(1 if result["server_errors"] or result["failures"] else 0)


if __name__ == "__main__":
    main()
