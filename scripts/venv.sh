#!/usr/bin/env bash
# Create (once) and use a virtual environment in .venv beside this repository's files, so
# that nothing is installed into the system Python (Debian and Ubuntu refuse that:
# "externally-managed-environment"). Sourced by scripts/demo.sh and scripts/test.sh.
# PYTHON picks the interpreter (default: python3, which must be 3.10 or newer).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
VENV="${YANGTZE_VENV:-.venv}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "need Python 3.10 or newer as '$PYTHON' (set PYTHON=/path/to/python3.x)" >&2
  exit 2
fi
# Debian and Ubuntu ship the venv module as a package of its own: install it when we can
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
  && command -v apt-get >/dev/null 2>&1; then
  echo "installing python3-venv (Debian/Ubuntu) to make the virtual environment" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    echo "cannot create a virtual environment: install the venv module first," >&2
    echo "  Debian/Ubuntu: sudo apt-get install python3-venv" >&2
    exit 2
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi
unset PYTHONPATH  # the environment's own packages, not a checkout's
VPY="$PWD/$VENV/bin/python"
export VPY
