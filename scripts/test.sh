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

cargo build --release --workspace --locked
cargo test --workspace --locked
