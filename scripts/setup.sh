#!/usr/bin/env bash
# One-time (idempotent) set-up of a machine for kefu: system packages, the native speech libraries,
# a release build, the models, and a seeded demo shop. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${KEFU_CACHE_DIR:-$HOME/.cache/kefu}"
SHERPA_VERSION=1.13.8
APT_PACKAGES=(
  build-essential cmake clang libclang-dev pkg-config   # whisper.cpp (cmake + bindgen)
  libasound2-dev                                        # cpal (microphone door)
  espeak-ng espeak-ng-data libespeak-ng-dev             # phonemes for Piper, the fallback Mandarin voice
  sox libsox-fmt-all                                    # fixtures and tests
  pocketsphinx-testdata                                 # real human English speech for ASR tests
  sip-tester baresip-core                               # SIP test peers (sipp, baresip) for the phone-line tests
  python3 python3-pip python3-venv unzip ca-certificates curl   # pip download / npm tarballs (models), bench venv
  chromium nodejs fonts-wqy-microhei                    # browser tests of the voice page (CJK font for screenshots)
)
# npm for playwright-core; a Node.js that bundles npm (NodeSource's) must not get Debian's npm beside it.
command -v npm >/dev/null || APT_PACKAGES+=(npm)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # apt has lost downloaded .debs mid-install on these machines: retry.
  for attempt in 1 2 3; do
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
      break
    fi
    [ "$attempt" = 3 ] && { echo "apt-get failed three times" >&2; exit 1; }
    log "apt-get failed (attempt $attempt), retrying"; sleep 5
  done
fi

# The browser test driver: playwright-core from npm (it drives Debian's chromium; no browser download).
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  log "installing the browser test driver (npm ci in tests/browser)"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi

PY=python3
command -v pip >/dev/null && PIP=(pip) || PIP=("$PY" -m pip)

# sherpa-onnx C API + its ONNX Runtime (1.28.2), from the PyPI wheel; see .cargo/config.toml.
if [ ! -f .native/sherpa-onnx/lib/libsherpa-onnx-c-api.so ]; then
  mkdir -p "$CACHE/pip" .native
  wheel=$(ls "$CACHE"/pip/sherpa_onnx_core-"$SHERPA_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    log "downloading sherpa-onnx-core==$SHERPA_VERSION"
    "${PIP[@]}" download --no-deps --quiet -d "$CACHE/pip" "sherpa-onnx-core==$SHERPA_VERSION"
    wheel=$(ls "$CACHE"/pip/sherpa_onnx_core-"$SHERPA_VERSION"-*.whl | head -n1)
  fi
  rm -rf .native/sherpa-onnx .native/unpack && mkdir -p .native/unpack
  unzip -q "$wheel" 'sherpa_onnx/lib/*' 'sherpa_onnx/include/*' -d .native/unpack
  mv .native/unpack/sherpa_onnx .native/sherpa-onnx && rm -rf .native/unpack
  log "native libraries in .native/sherpa-onnx/lib"
fi

if [ "${KEFU_SETUP_SKIP_BUILD:-0}" != 1 ]; then
  log "building kefu (release)"
  cargo build --release --locked
  ./target/release/kefu models fetch
fi
log "done"
