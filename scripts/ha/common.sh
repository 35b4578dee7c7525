# Shared by scripts/ha/*.sh (sourced): the cluster's ports, the user PostgreSQL runs as, and
# how to find and kill exactly the processes a cluster directory started (nothing else: the
# machine's own PostgreSQL on 5432 is never touched).

# Ports, overridable so that two clusters (or a busy machine) can coexist. etcd is off its
# usual 2379/2380, where a packaged etcd service may already listen.
HA_PG1=${QYZMET_HA_PG1:-5433}
HA_PG2=${QYZMET_HA_PG2:-5434}
HA_REST1=${QYZMET_HA_REST1:-8008}
HA_REST2=${QYZMET_HA_REST2:-8009}
HA_ETCD=${QYZMET_HA_ETCD:-2479}
HA_ETCD_PEER=${QYZMET_HA_ETCD_PEER:-2480}
HA_BIN=${QYZMET_HA_PG_BIN:-/usr/lib/postgresql/15/bin}
HA_PY=/usr/bin/python3

say() { echo "ha: $*" >&2; }
die() {
  echo "ha: $*" >&2
  exit 1
}

# A cluster directory remembers its ports (written by up.sh), so down.sh and crash.sh act on
# the cluster that is there whatever the environment says now.
load_ports() {
  if [ -f "$1/ports.env" ]; then
    # shellcheck disable=SC1091
    . "$1/ports.env"
  fi
}

# PostgreSQL refuses to run as root: as root, everything runs as `postgres`.
if [ "$(id -u)" = 0 ]; then
  HA_USER=${QYZMET_HA_USER:-postgres}
else
  HA_USER=$(id -un)
fi

# Run a command as HA_USER (exec'd in place, so a recorded pid is the program's own).
as_user() {
  if [ "$(id -u)" = 0 ] && [ "$HA_USER" != root ]; then
    setpriv --reuid "$HA_USER" --regid "$(id -g "$HA_USER")" --init-groups -- "$@"
  else
    "$@"
  fi
}

# The pid in FILE when that process is alive and its command line mentions DIR (a recycled
# pid is not ours).
live_pid() {
  local file=$1 dir=$2 pid
  [ -f "$file" ] || return 1
  pid=$(head -n 1 "$file" 2>/dev/null | tr -dc 0-9)
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir" || return 1
  echo "$pid"
}

# The member's PostgreSQL postmaster pid (its postmaster.pid names the data directory).
postmaster_pid() {
  live_pid "$1/$2/data/postmaster.pid" "$1/$2/data"
}

# SIGKILL a PostgreSQL postmaster and every process it forked. Its children are not in its
# process group (each makes itself a group leader), and a backend outlives a killed
# postmaster until it next waits: so stop the postmaster (no more forks), list its children
# by parent pid, and kill them all at once.
kill_postgres() {
  local pm=$1 kids
  kill -STOP "$pm" 2>/dev/null || return 0
  kids=$(ps -o pid= --ppid "$pm" | tr -s ' \n' ' ')
  # shellcheck disable=SC2086
  kill -KILL "$pm" $kids 2>/dev/null || true
}

# The cluster's state as the REST API of either member has it: lines `name role state port`.
cluster_members() {
  local port
  for port in "$HA_REST1" "$HA_REST2"; do
    if "$HA_PY" - "$port" <<'PY' 2>/dev/null; then return 0; fi
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/cluster", timeout=2) as r:
    c = json.load(r)
for m in c.get("members", []):
    print(m.get("name"), m.get("role"), m.get("state"), m.get("port"))
PY
  done
  return 1
}
