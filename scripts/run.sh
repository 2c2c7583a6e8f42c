#!/usr/bin/env bash
# Set up the embedded SQLite database, load the demo, and run the web server and the task
# worker side by side. Ctrl-C stops both. Used by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FRONTLINE_REQUIRE_2FA=${FRONTLINE_REQUIRE_2FA:-false}  # the demo has no authenticator
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# The address printed in documents' QR codes and verification links: this server's own.
export FRONTLINE_SITE_URL=${FRONTLINE_SITE_URL:-http://$HOST:$PORT}

$PY manage.py migrate --noinput -v 0
$PY manage.py load_demo
$PY manage.py collectstatic --noinput -v 0

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping the server and the worker..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# The worker and the periodic jobs are started again if they stop (killed, out of memory):
# a lost worker must not take the web server down, and its tasks are queued again.
supervise() {
  local child
  trap 'kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    "$@" &
    child=$!
    wait "$child" || true
    echo "$3 stopped; starting it again in 2 s" >&2
    sleep 2
  done
}

supervise $PY manage.py db_worker --queue-name '*' --interval 1 --no-reload -v 0 &
pids+=($!)
# Every app's periodic jobs in one process: outbox retries, hand-over alerts, snapshots and
# reminders of the daily figures, escalations of offers, questions and incident steps, and the
# daily retention purge (acting as the demo district office).
OBSERVATION_PURGE_AS=${OBSERVATION_PURGE_AS:-district} supervise $PY manage.py periodic -v 0 &
pids+=($!)
PYTHONPATH=src .venv/bin/gunicorn frontline.wsgi:application --bind "$HOST:$PORT" \
  --workers "${WEB_WORKERS:-2}" --threads 4 --access-logfile - --log-level warning &
pids+=($!)

sleep 1
$PY manage.py demo_logins --url "http://$HOST:$PORT/"
wait -n "${pids[@]}"  # the web server stopped (the others are started again)
