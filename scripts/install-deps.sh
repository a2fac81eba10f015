#!/usr/bin/env bash
# Installs the Debian 12 packages gocxx needs to build, test and benchmark, when missing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail
# clang-14 and libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes; only a
# Recommends of clang-14): the preset fuzz (scripts/fuzz.sh). pkgconf and dpkg-dev
# (dpkg-shlibdeps, for the Depends line): the .deb's test, consumer_deb.
pkgs=(g++ cmake ninja-build libgtest-dev libgmock-dev libbenchmark-dev libdw-dev nlohmann-json3-dev
      clang-14 libclang-rt-14-dev pkgconf dpkg-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
