#!/usr/bin/env bash
# Installs the reference whisper.cpp used by `kefu bench asr`: the PyPI wheel `pywhispercpp` (it bundles a
# Release build of whisper.cpp with OpenMP and AVX2/FMA), in a virtualenv under the kefu cache.
#
# Usage: scripts/bench-reference.sh            (prints the venv's python path when done)
# Env:   KEFU_CACHE_DIR (default ~/.cache/kefu)
set -euo pipefail

PYWHISPERCPP_VERSION=1.5.1
cache="${KEFU_CACHE_DIR:-$HOME/.cache/kefu}"
venv="$cache/bench-venv"
python="$venv/bin/python"

if "$python" -c "import pywhispercpp, numpy" 2>/dev/null; then
    echo "$python"
    exit 0
fi
command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
mkdir -p "$cache"
python3 -m venv "$venv" >&2 || {
    echo "cannot create a virtualenv: apt-get install python3-venv" >&2
    exit 1
}
for attempt in 1 2 3; do
    if "$venv/bin/pip" install --quiet --disable-pip-version-check "pywhispercpp==$PYWHISPERCPP_VERSION" numpy >&2; then
        break
    fi
    [ "$attempt" = 3 ] && { echo "pip install pywhispercpp==$PYWHISPERCPP_VERSION failed" >&2; exit 1; }
    sleep 5
done
"$python" -c "import pywhispercpp, numpy" >&2
echo "$python"
