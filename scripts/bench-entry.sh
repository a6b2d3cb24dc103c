#!/usr/bin/env bash
# The entry-path benchmark of the README's Benchmarks section: a release server with the demo
# world, then `pos-sim load` closed loop and at an offered rate, on SQLite (a fresh file) and,
# when BENCH_PG_URL is set (e.g. postgres://postgres@127.0.0.1:5432/postgres), on PostgreSQL
# (a fresh database created next to it with psql, dropped afterwards). Each run prints
# entries/s, pings/s, their ratio and p50/p95/p99 per endpoint.
#
#   scripts/bench-entry.sh                      # SQLite only
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/bench-entry.sh
#
# Knobs: TERMINALS (20), DURATION (20 s per phase), RATE (500 entries/s offered),
# PERF_DIR (a folder: `perf record -g` of the server for 8 s of each closed loop, see
# `perf report -i PERF_DIR/perf-sqlite.data --no-children`), PORT (3900), SKIP_BUILD=1 (use the binaries in target/release as they are), BIN (another
# folder with the server and pos-sim binaries, e.g. a copy of an earlier build to compare).
set -euo pipefail
cd "$(dirname "$0")/.."
TERMINALS=${TERMINALS:-20}
DURATION=${DURATION:-20}
RATE=${RATE:-500}
PORT=${PORT:-3900}
export DEMO_ADMIN_PASSWORD=${DEMO_ADMIN_PASSWORD:-bench-entry-password}
# The closed loop is far above the default per-terminal velocity limit (60 a minute).
export POS_VELOCITY_PER_MINUTE=0

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  cargo build --release -p server --bins
fi
BIN=${BIN:-target/release}

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() { # $1: label, $2: database url or empty
  local log="$WORK/server-$1.log"
  if [[ -n "$2" ]]; then
    DATABASE_URL="$2" "$BIN/server" --demo --listen "127.0.0.1:$PORT" --data-dir "$WORK/data-$1" >"$log" 2>&1 &
  else
    "$BIN/server" --demo --listen "127.0.0.1:$PORT" --data-dir "$WORK/data-$1" >"$log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$log"; echo "server did not start" >&2; exit 1; fi
    sleep 0.5
  done
  echo "server not ready after 60 s" >&2; exit 1
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

run_loads() { # $1: label
  local sim=("$BIN/pos-sim" --state "$WORK/sim-$1" load --server "http://127.0.0.1:$PORT" --terminals "$TERMINALS" --duration "$DURATION")
  echo "== $1: closed loop"
  local perf_pid=
  if [[ -n "${PERF_DIR:-}" ]]; then
    # 8 s of the server's call graphs in the middle of the closed loop's entry phase.
    (sleep 5; perf record -q -g -p "$SERVER_PID" -o "$PERF_DIR/perf-$1.data" -- sleep 8 >/dev/null 2>&1) &
    perf_pid=$!
  fi
  "${sim[@]}"
  if [[ -n "$perf_pid" ]]; then wait "$perf_pid"; fi
  echo "== $1: $RATE entries/s offered"
  "${sim[@]}" --rate "$RATE"
}

echo "machine: $(nproc) cores; $(uptime)"
start_server sqlite ""
run_loads sqlite
stop_server

if [[ -n "${BENCH_PG_URL:-}" ]]; then
  DB="bench_entry_$$"
  psql "$BENCH_PG_URL" -qc "CREATE DATABASE $DB"
  PG_URL="${BENCH_PG_URL%/*}/$DB"
  start_server postgres "$PG_URL"
  run_loads postgres
  stop_server
  psql "$BENCH_PG_URL" -qc "DROP DATABASE $DB"
fi
