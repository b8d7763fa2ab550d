#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter that actually runs (Rasa 3.6 needs 3.8-3.10;
# we pin 3.10). Looks on PATH first, then in pyenv's versions; a pyenv shim on PATH
# that fails unless pyenv selects 3.10 is skipped because it is run, not just found.
set -u

works() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$home/.pyenv}")
for dir in "$pyenv_root"/versions/3.10*; do
  [ -x "$dir/bin/python3.10" ] && candidates+=("$dir/bin/python3.10")
done

for python in "${candidates[@]}"; do
  if works "$python"; then
    echo "$python"
    exit 0
  fi
done

echo "No working Python 3.10 found (Rasa 3.6.21 needs Python 3.8-3.10)." >&2
echo "Looked at: ${candidates[*]:-nothing on PATH or under $pyenv_root/versions}." >&2
echo "Install Python 3.10 (e.g. 'pyenv install 3.10.13') and run make again." >&2
exit 1
