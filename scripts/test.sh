#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up (system packages, native libs, release build, models),
# formatting and lint checks, then every test. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --release --locked --all-targets -- -D warnings

echo "== cargo test"
status=0
cargo test --release --locked --no-fail-fast 2>&1 | tee target/test-output.txt || status=$?

# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1); if ($(i) ~ /^ignored;?$/) s += $(i-1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' target/test-output.txt
exit "$status"
