#!/usr/bin/env bash
# Installs what Courier needs on a Debian machine, skipping what is there:
# redis-server (local Redis and the tests' private ones), a C++ toolchain and
# cmake (libjsonnet for @hanazuki/node-jsonnet is built from source), pnpm, and
# with --with-browser what only the tests need: Debian's chromium (the Bull
# Board browser test) and Go with Debian's sprig (the @courier/go-template
# differential tests build a Go reference renderer).
set -euo pipefail

log() { printf '[install] %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "${1:-}" = "--with-browser" ]; then
  # What only the tests need: Chromium (the Bull Board browser test) and Go with
  # sprig (go-template's differential tests build a reference renderer with them).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v go >/dev/null 2>&1 || missing+=(golang-go)
  [ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || missing+=(golang-github-masterminds-sprig-dev)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    log "please install: ${missing[*]} (needs root and apt-get to do it here)"
    exit 1
  fi
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A pnpm that answers, not just one on PATH: a Corepack shim (`corepack enable`)
# that cannot fetch or verify pnpm fails at every command; npm's pnpm replaces it.
if ! pnpm --version >/dev/null 2>&1; then
  log "installing pnpm"
  npm install -g --force pnpm@10 >/dev/null
fi
log "node $(node --version), pnpm $(pnpm --version), $(redis-server --version | cut -d' ' -f1-3), $(go version | cut -d' ' -f3)"
