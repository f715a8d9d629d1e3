"""Identity benchmark (issue #2): token validate, re-scope issue and password issue at 8
concurrent clients for 15 s each against a real all-in-one, plus idle RSS and the time
``pocketstack up --detach`` takes on a fresh data dir.

Prints one JSON document and a one-line summary. Load comes from ``wrk`` (one thread),
which costs little CPU per request, since client and server share the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import bcrypt
import httpx

from bench._cloud import RunningCloud, wrk


def lua(method: str, headers: dict[str, str], body: str | None = None) -> str:
    lines = [f'wrk.method = "{method}"']
    for key, value in headers.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if body is not None:
        lines.append("wrk.body = " + json.dumps(body))
    return "\n".join(lines)


def measure(cloud: RunningCloud, url: str, script: str, seconds: int, connections: int = 8) -> dict[str, Any]:
    cpu_before, loop_before = cloud.cpu_seconds(), cloud.loop_cpu_seconds()
    result = wrk(url, script, seconds=seconds, connections=connections)
    count = max(result["requests"], 1)
    result["server_cpu_ms_per_request"] = 1000 * (cloud.cpu_seconds() - cpu_before) / count
    # Everything but the worker threads (where bcrypt runs): the cost beyond the hash.
    result["loop_cpu_ms_per_request"] = 1000 * (cloud.loop_cpu_seconds() - loop_before) / count
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--up-runs", type=int, default=5)
    args = parser.parse_args()

    up_times = []
    for _ in range(args.up_runs):
        c = RunningCloud()
        up_times.append(c.up_seconds)
        c.down()

    cloud = RunningCloud()
    try:
        time.sleep(2)
        idle_rss = cloud.rss_mb()
        auth = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "domain": {"id": "default"}, "password": cloud.admin_password}
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        }
        answer = httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json=auth)
        token = answer.headers["x-subject-token"]
        project_id = answer.json()["token"]["project"]["id"]
        tokens_url = f"{cloud.url}/identity/v3/auth/tokens"
        results: dict[str, Any] = {}
        results["validate"] = measure(
            cloud, tokens_url, lua("GET", {"X-Auth-Token": token, "X-Subject-Token": token}), args.seconds
        )
        rescope = json.dumps(
            {
                "auth": {
                    "identity": {"methods": ["token"], "token": {"id": token}},
                    "scope": {"project": {"id": project_id}},
                }
            }
        )
        results["rescope_issue"] = measure(
            cloud, tokens_url, lua("POST", {"Content-Type": "application/json"}, rescope), args.seconds
        )
        results["password_issue"] = measure(
            cloud, tokens_url, lua("POST", {"Content-Type": "application/json"}, json.dumps(auth)), args.seconds
        )
        # One client at a time: the loop thread's own cost without six hashes competing
        # with it for the two cores (which inflates every thread's CPU time).
        results["password_issue_serial"] = measure(
            cloud,
            tokens_url,
            lua("POST", {"Content-Type": "application/json"}, json.dumps(auth)),
            args.seconds,
            connections=1,
        )
        # For reference, what one cost-12 bcrypt check takes here. The server's cost beyond
        # the hash is its event-loop thread's CPU (bcrypt runs in worker threads).
        hashed = bcrypt.hashpw(b"admin", bcrypt.gensalt(12))
        samples = []
        for _ in range(5):
            started = time.process_time()
            bcrypt.checkpw(b"admin", hashed)
            samples.append(1000 * (time.process_time() - started))
        results["password_issue"]["bcrypt_ms"] = statistics.median(samples)
        results["password_issue"]["server_cpu_ms_beyond_hash"] = results["password_issue"]["loop_cpu_ms_per_request"]
        report = {
            "benchmark": "identity_tokens",
            "concurrency": 8,
            "seconds": args.seconds,
            "up_detach_seconds": {"median": statistics.median(up_times), "runs": up_times},
            "idle_rss_mb": idle_rss,
            "rss_after_load_mb": cloud.rss_mb(),
            **results,
        }
    finally:
        cloud.down()
    print(json.dumps(report, indent=2))
    v, r, p = report["validate"], report["rescope_issue"], report["password_issue"]
    serial = report["password_issue_serial"]["loop_cpu_ms_per_request"]
    print(
        f"identity: validate {v['rps']:.0f} req/s p99 {v['p99_ms']:.1f} ms; rescope {r['rps']:.0f} req/s "
        f"p99 {r['p99_ms']:.1f} ms; password {p['rps']:.1f} req/s, {p['server_cpu_ms_beyond_hash']:.2f} ms CPU "
        f"beyond bcrypt ({serial:.2f} ms with one client); idle RSS {report['idle_rss_mb']:.0f} MB; "
        f"up --detach median {report['up_detach_seconds']['median']:.2f} s"
    )


if __name__ == "__main__":
    main()
