#!/usr/bin/env bash
# Builds and runs the CPU emulation check of flash.cu (no GPU needed): emu_check.cpp includes
# flash.cu with the stand-ins of emu.h and compares every kernel with a double reference.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/cine-flash-emu
${CXX:-g++} -std=c++17 -O2 -Wall -Wno-unknown-pragmas -Wno-unused-function -U_FORTIFY_SOURCE -o "$out" "$here/emu_check.cpp"
"$out"
