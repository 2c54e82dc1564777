#!/usr/bin/env bash
# README command 2: install the package with its test dependencies into .venv, lint, and
# run the tests. LibreOffice tests run where soffice and python3-uno are installed
# (.ci/run installs them); elsewhere they are skipped with the reason.
set -euo pipefail
source "$(dirname "$0")/venv.sh"
"$VPY" -m pip install -q --disable-pip-version-check -e ".[test]"
"$VPY" -m ruff check .
"$VPY" -m ruff format --check .
"$VPY" -m pytest -q "$@"
