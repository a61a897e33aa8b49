#!/usr/bin/env bash
# Quick start: install what is missing, then run Courier (producer + worker)
# against a local Redis, delivering to a dev mail/SMS catcher. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
pnpm install --frozen-lockfile
exec pnpm exec tsx scripts/dev/run.ts "$@"
