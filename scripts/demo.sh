#!/usr/bin/env bash
# README command 1: install the package into .venv and write the demo workbook
# (yangtze_demo.xlsm, regenerated, ready to open). Arguments go to `yangtze demo`
# (a path; --force to replace an existing file).
set -euo pipefail
source "$(dirname "$0")/venv.sh"
"$VPY" -m pip install -q --disable-pip-version-check .
"$VPY" -m addin.cli demo "$@"
