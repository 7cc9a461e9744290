#!/usr/bin/env bash
# Installs the system packages cine needs (FFmpeg -dev libraries, clang for bindgen,
# pkg-config) with apt-get; `--test` adds what only the test suite needs (Neovim, the real
# editor that tests/editor_nvim.rs drives `cine lsp` from; Node.js and npm for the VS Code
# extension's tests in editors/vscode). Idempotent: does nothing when they are already there.
set -euo pipefail
pkgs=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev
      libswscale-dev libavfilter-dev libavdevice-dev libswresample-dev ffmpeg)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(neovim)
  # Node.js from anywhere (nvm, NodeSource, ...) will do: only ask apt when there is none.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    pkgs+=(nodejs npm)
  fi
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
