#!/usr/bin/env bash
# One entry point for a fresh machine: installs everything into .venv, then runs what you asked.
#   ./dev.sh demo   - set up and open the demo store (a local SQLite file, no hardware, no server)
#   ./dev.sh test   - set up and run the whole test suite (lint included)
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}

need_python() {
  command -v "$PY" >/dev/null || { echo "dev.sh: $PY not found; install Python 3.11+" >&2; exit 1; }
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "dev.sh: Python 3.11+ needed, found $("$PY" -V)" >&2; exit 1; }
}

apt_install() {  # Debian/Ubuntu packages, when we may install them
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || return 1
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

setup() {
  need_python
  local stamp="$VENV/.installed" want
  want=$( (cat pyproject.toml protocol/pyproject.toml central/pyproject.toml; "$PY" -V) |
         sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' 2>/dev/null; then
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install "python${ver}-venv" || apt_install python3-venv ||
      { echo "dev.sh: install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
  fi
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # three distributions, one command: the protocol both sides share, the central, the register
  "$VENV/bin/python" -m pip install -q -e ./protocol -e ./central -e ".[dev,build]"
  echo "$want" > "$stamp"
}

case "${1:-}" in
  demo)
    setup
    shift
    exec "$VENV/bin/pos-terminal" demo "$@"
    ;;
  test)
    setup
    shift
    command -v chromium >/dev/null || apt_install --no-install-recommends chromium fonts-liberation ||
      echo "dev.sh: no chromium; the dashboard's browser tests will be skipped" >&2
    "$VENV/bin/ruff" check src protocol central tests bench packaging
    QT_QPA_PLATFORM=offscreen exec "$VENV/bin/python" -m pytest "$@"
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: ./dev.sh demo | test | setup" >&2
    exit 2
    ;;
esac
