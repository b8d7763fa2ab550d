#!/usr/bin/env bash
# Start the action server, wait until it is healthy, then run a Rasa command in the
# foreground (`rasa run ...` or `rasa shell ...`). Ctrl-C or the command's exit stops
# both; nothing is left running.
#
# Usage: scripts/serve.sh ACTION_PORT -- RASA_ARGS...
set -euo pipefail

action_port=$1; shift
[ "${1:-}" = "--" ] && shift
bin="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin"

SANIC_HOST=127.0.0.1 "$bin/python" -m rasa_sdk --actions actions -p "$action_port" &
action_pid=$!
stop_actions() { kill "$action_pid" 2>/dev/null && wait "$action_pid" 2>/dev/null || true; }
trap stop_actions EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
  if ! kill -0 "$action_pid" 2>/dev/null; then
    echo "The action server stopped during start-up; its error is above." >&2
    exit 1
  fi
  if curl -fsS "http://127.0.0.1:$action_port/health" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done

"$bin/rasa" "$@"
