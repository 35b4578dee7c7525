#!/usr/bin/env bash
# Stops the cluster up.sh started in DIR: each Patroni member (SIGTERM: it stops its
# PostgreSQL), then etcd; whatever still runs after 20 s is killed. Only processes recorded
# in DIR (and whose command line names DIR) are signalled. DIR itself is left in place.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

[ $# -ge 1 ] || die "usage: down.sh DIR"
[ -d "$1" ] || die "$1 is not a directory"
DIR=$(cd "$1" && pwd)
load_ports "$DIR"

# Wait up to SECONDS for every pid to be gone; true when they are.
gone() {
  local secs=$1 p
  shift
  for _ in $(seq 1 $((secs * 10))); do
    for p in "$@"; do
      if kill -0 "$p" 2>/dev/null; then
        sleep 0.1
        continue 2
      fi
    done
    return 0
  done
  return 1
}

pids=()
for m in m1 m2; do
  if p=$(live_pid "$DIR/$m.pid" "$DIR"); then
    kill -TERM "$p" 2>/dev/null || true
    pids+=("$p")
  fi
done
if [ ${#pids[@]} -gt 0 ]; then
  say "stopping Patroni (${pids[*]})"
  gone 20 "${pids[@]}" || { say "Patroni still runs after 20 s: killing it"; kill -KILL "${pids[@]}" 2>/dev/null || true; }
fi
for m in m1 m2; do
  # A postmaster whose Patroni was killed (crash.sh, or the line above) is stopped here:
  # a fast shutdown, else SIGKILL to it and its children.
  if p=$(postmaster_pid "$DIR" "$m"); then
    say "stopping PostgreSQL of $m ($p)"
    kill -INT "$p" 2>/dev/null || true
    gone 10 "$p" || kill_postgres "$p"
  fi
done
if p=$(live_pid "$DIR/etcd.pid" "$DIR"); then
  say "stopping etcd ($p)"
  kill -TERM "$p" 2>/dev/null || true
  gone 10 "$p" || kill -KILL "$p" 2>/dev/null || true
fi
rm -f "$DIR/m1.pid" "$DIR/m2.pid" "$DIR/etcd.pid"
say "down ($DIR)"
