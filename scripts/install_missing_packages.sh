#!/usr/bin/env bash
# Install the Debian packages whose file is missing (with sudo when not root), or stop at
# once with one line naming what to install on a machine without apt.
#
# Usage: scripts/install_missing_packages.sh PACKAGE=PATH_PATTERN ...
#   e.g. chromium=/usr/bin/chromium 'postgresql=/usr/lib/postgresql/*/bin/initdb'
set -euo pipefail

missing=()
for wanted in "$@"; do
  package="${wanted%%=*}"
  pattern="${wanted#*=}"
  # shellcheck disable=SC2086  # the pattern is a glob on purpose
  compgen -G "$pattern" >/dev/null || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Missing: ${missing[*]} (this machine has no apt-get: install them with its package manager)." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
