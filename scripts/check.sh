#!/usr/bin/env bash
# Every check in one command: lint, format, types, tests (with the notebook and browser tests).
# Run from the repository root after `pip install -e ".[test]"`.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check"; ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy"; mypy
echo "== pytest"; python -m pytest "$@"
