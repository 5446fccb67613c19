#!/usr/bin/env bash
# Build one store's pos-terminal (bundle folder, .tar.gz, .deb) from its store config:
#   ./packaging/build.sh packaging/stores/example.toml [--out DIR] [--formats dir,tar,deb]
# Uses .venv when there is one (./dev.sh setup makes it), else python3 on PATH; installs
# PyInstaller (the project's `build` extra) into it when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
"$PY" -c 'import pos_terminal' 2>/dev/null ||
  { echo "build.sh: pos_terminal is not installed in $PY: run ./dev.sh setup first" >&2; exit 1; }
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
  echo "build.sh: installing PyInstaller (the build extra) into $PY" >&2
  "$PY" -m pip install -q "pyinstaller>=6.10,<7"
fi
exec "$PY" packaging/build.py "$@"
