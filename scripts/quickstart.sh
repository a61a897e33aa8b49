#!/usr/bin/env bash
# Quick start: install what is missing, build, then run Courier (producer + worker,
# the compiled apps in dist/, as in production) against a local Redis, delivering
# to a dev mail/SMS catcher. Ctrl-C stops it. `--smoke`: send an e-mail and an SMS,
# check they arrive, exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
pnpm install --frozen-lockfile
pnpm build
# The runner itself (and the catcher) run from source; the apps it starts run dist/main.js.
COURIER_APPS_FROM=dist exec pnpm exec tsx --conditions=source scripts/dev/run.ts "$@"
