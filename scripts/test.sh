#!/usr/bin/env bash
# Install the package with its test dependencies, lint, and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -e ".[test]"
python -m ruff check .
python -m ruff format --check .
python -m pytest -q
