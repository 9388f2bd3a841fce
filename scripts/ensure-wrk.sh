#!/usr/bin/env bash
# wrk, the HTTP load generator bench/check.py drives the server with (Debian package `wrk`): a C
# event loop that costs the shared CPUs far less per request than a Python client would.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q wrk || { $SUDO apt-get update -q && $SUDO apt-get install -y -q wrk; }
else
  echo "install wrk (https://github.com/wg/wrk) to run bench/check.py with it" >&2
  exit 1
fi
