#!/usr/bin/env bash
# Set everything up (Debian packages, .venv) and start the all-in-one cloud.
# Extra arguments go to `pocketstack up` (for example --detach, --port 8081, --driver fake).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pocketstack up "$@"
