#!/usr/bin/env bash
# Start the action server (and, with --web, the demo page) and a Rasa command: `rasa run`
# starts at the same time as the action server (it loads its model meanwhile), and any
# server stopping stops them all; `rasa shell` starts in the foreground once the action
# server is healthy. Ctrl-C stops them all; nothing is left running.
#
# `rasa run` starts two Rasa servers behind HAProxy (scripts/haproxy.cfg) on the address
# its -i/-p name, so both cores answer students; they share the conversation store and a
# Redis lock store (LOCK_STORE_URL, or a Redis started here on loopback). RASA_SERVERS=1
# starts one Rasa server on that address instead, with no balancer and no Redis.
#
# Every Rasa command here is run by the launcher, `python -m patches RASA_ARGS...`: Rasa's
# command line with this project's patches of Rasa applied first (patches/__init__.py says
# what each changes and why) and third-party deprecation warnings left out of the start-up.
#
# Usage: scripts/serve.sh [--web WEB_PORT RASA_URL] ACTION_PORT -- RASA_ARGS...
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.venv/bin"
rasa=("$bin/python" -m patches)
# the launcher, the project's Rasa components and the actions, from wherever this is run
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
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
# core serves the action server (docs/performance.md has what each of these settings measured).
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
# ... and on TensorFlow's own kernels, not oneDNN's: for DIET's small graph oneDNN's kernels
# cost more than they save (the same rankings).
export TF_ENABLE_ONEDNN_OPTS="${TF_ENABLE_ONEDNN_OPTS:-0}"
# numpy's OpenBLAS on one thread too: its second thread spins between the action server's
# small matrix products and took most of a core under load, for nothing.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

action_port=$1; shift
[ "${1:-}" = "--" ] && shift
# the action server: rasa_sdk's command line, quietly (actions/__main__.py)
SANIC_HOST=127.0.0.1 "$bin/python" -m actions --actions actions -p "$action_port" &
background+=($!)

# Two Rasa servers on free loopback ports behind HAProxy on the address that `rasa run
# RASA_ARGS` would have taken (its -i and -p, Rasa's defaults otherwise).
start_behind_balancer() {
  local host=0.0.0.0 port=5005 args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -i|--interface) host=$2; shift 2 ;;
      -p|--port) port=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  local haproxy="${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}"
  for program in "$haproxy" redis-server; do
    if ! command -v "$program" >/dev/null; then
      echo "$(basename "$program") is missing: \`make run\` installs Debian's haproxy and redis-server;" \
        "or set RASA_SERVERS=1 for one Rasa server without a balancer." >&2
      exit 1
    fi
  done
  local ports
  read -r -a ports < <("$bin/python" -m scripts.ports 3)
  if [ -z "${LOCK_STORE_URL:-}" ]; then
    # its start-up banner is shown only if it fails
    redis_log=$(mktemp)
    redis-server --bind 127.0.0.1 --port "${ports[2]}" --save "" --appendonly no >"$redis_log" 2>&1 &
    background+=($!)
    until redis-cli -p "${ports[2]}" ping >/dev/null 2>&1; do
      if ! kill -0 "${background[-1]}" 2>/dev/null; then
        cat "$redis_log" >&2
        echo "Redis (the Rasa servers' locks) did not start; its log is above." >&2
        exit 1
      fi
      sleep 0.05
    done
    rm -f "$redis_log"
    export LOCK_STORE_URL="redis://127.0.0.1:${ports[2]}/1"
  fi
  BALANCER_ADDRESS="$host:$port" RASA_SERVER_1="127.0.0.1:${ports[0]}" RASA_SERVER_2="127.0.0.1:${ports[1]}" \
    "$haproxy" -db -q -f "$root/scripts/haproxy.cfg" &
  background+=($!)
  for server_port in "${ports[0]}" "${ports[1]}"; do
    "${rasa[@]}" "${args[@]}" -i 127.0.0.1 -p "$server_port" "${api[@]}" &
    background+=($!)
  done
}

if [ "${1:-}" = "run" ]; then
  # Rasa's HTTP API (conversations, model, ...) stays off unless RASA_API_TOKEN is set;
  # then it is on and every API call must carry that token.
  api=()
  [ -n "${RASA_API_TOKEN:-}" ] && api=(--enable-api --auth-token "$RASA_API_TOKEN")
  case "${RASA_SERVERS:-2}" in
    2) start_behind_balancer "$@" ;;
    1) "${rasa[@]}" "$@" "${api[@]}" &
       background+=($!) ;;
    *) echo "RASA_SERVERS=${RASA_SERVERS} is not supported: 2 (the default: two Rasa servers behind HAProxy) or 1." >&2
       exit 2 ;;
  esac
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
"${rasa[@]}" "$@"
