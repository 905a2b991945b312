#!/usr/bin/env bash
# Installs what chatd needs from Debian 12 packages, if anything is missing; with arguments, those
# packages instead (scripts/sanitize.sh asks for clang this way).
# Never libboost-dev: that is Boost 1.74 and conflicts with 1.81.
set -euo pipefail
packages=(libboost1.81-dev liblmdb-dev libsimdjson-dev catch2 libsodium-dev pkg-config cmake g++ make
          libssl-dev telnet tmux systemd)  # telnet, tmux: the palette's screen test; systemd: systemd-analyze checks the unit
[ $# -gt 0 ] && packages=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi
