#!/usr/bin/env bash
# Installs libtorrent's Python bindings (Debian's python3-libtorrent) for the BEP 52
# comparison test in test/lib/storage/libtorrent.test.ts. Idempotent and quiet.
#
# Debian's interpreter is named explicitly: the python3 first on PATH may be another
# interpreter that does not see Debian's dist-packages.
set -euo pipefail
PY=/usr/bin/python3

if [ -x "$PY" ] && "$PY" -c "import libtorrent" >/dev/null 2>&1; then
  echo "libtorrent $("$PY" -c 'import libtorrent; print(libtorrent.__version__)') already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-libtorrent: need root to apt-get install python3-libtorrent (try: sudo $0)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends python3-libtorrent >/dev/null

if ! "$PY" -c "import libtorrent" >/dev/null 2>&1; then
  echo "setup-libtorrent: python3-libtorrent installed but '$PY -c \"import libtorrent\"' still fails" >&2
  exit 1
fi
echo "libtorrent $("$PY" -c 'import libtorrent; print(libtorrent.__version__)') installed"
