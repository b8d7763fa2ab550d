#!/usr/bin/env bash
# Start the action server (and, with --web, the demo page) and a Rasa command: `rasa run`
# starts at the same time as the action server (it loads its model meanwhile), and any
# server stopping stops them all; `rasa shell` starts in the foreground once the action
# server is healthy. Ctrl-C stops them all; nothing is left running.
#
# Usage: scripts/serve.sh [--web WEB_PORT RASA_URL] ACTION_PORT -- RASA_ARGS...
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.venv/bin"
background=()
stop_background() {
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_background EXIT
trap 'exit 130' INT TERM

if [ "${1:-}" = "--web" ]; then
  "$bin/python" "$root/web/serve.py" --host 127.0.0.1 --port "$2" --rasa-url "$3" --quiet &
  background+=($!)
  shift 3
fi

# TensorFlow (DIET) on one thread: a Rasa server parses one message at a time, and the other
# core serves the action server; with 8 conversations this measured 6-8% more turns a second.
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
# numpy's OpenBLAS on one thread too: its second thread spins between the action server's
# small matrix products and took 70% of a core under load (8 conversations), for nothing.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

action_port=$1; shift
[ "${1:-}" = "--" ] && shift
SANIC_HOST=127.0.0.1 "$bin/python" -m rasa_sdk --actions actions -p "$action_port" &
background+=($!)
if [ "${1:-}" = "run" ]; then
  # Rasa's HTTP API (conversations, model, ...) stays off unless RASA_API_TOKEN is set;
  # then it is on and every API call must carry that token.
  api=()
  [ -n "${RASA_API_TOKEN:-}" ] && api=(--enable-api --auth-token "$RASA_API_TOKEN")
  "$bin/rasa" "$@" "${api[@]}" &
  background+=($!)
fi

for _ in $(seq 1 120); do
  for pid in "${background[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "A server stopped during start-up; its error is above." >&2
      exit 1
    fi
  done
  if curl -fsS "http://127.0.0.1:$action_port/health" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done

if [ "${1:-}" = "run" ]; then
  status=0
  wait -n "${background[@]}" || status=$?
  echo "A server stopped (exit status $status); stopping the others." >&2
  exit "$status"
fi
"$bin/rasa" "$@"
