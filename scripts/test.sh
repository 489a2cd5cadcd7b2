#!/usr/bin/env bash
# The test command of the README: installs what the tests need on a fresh machine
# (Debian packages for the HDL tools; Rust comes with the machine), then runs every test.
# A tool that cannot be installed is an error here, never a silently skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."

# tool -> Debian package providing it
declare -A packages=(
  [verilator]=verilator
  [iverilog]=iverilog
  [yosys]=yosys
  [nextpnr-ice40]=nextpnr-ice40
  [icepack]=fpga-icestorm
)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Brian2 for `spikeforge bench` (tests/bench.rs compares the functional model with it):
# a virtual environment in the cache, from the pinned bench/requirements.txt.
cache="${SPIKEFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spikeforge}"
venv="$cache/brian2-venv"
if ! "$venv/bin/python" -c "import brian2" >/dev/null 2>&1; then
  echo "installing Brian2 into $venv"
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
export SPIKEFORGE_PYTHON="$venv/bin/python"

cargo build --release --workspace --locked
cargo test --workspace --locked --no-fail-fast
