#!/usr/bin/env bash
# Starts, on this one machine, a PostgreSQL 15 cluster managed by Patroni with one etcd: two
# members (m1 on 127.0.0.1:5433, REST 8008; m2 on 5434, REST 8009; etcd on 2479/2480, each
# overridable with QYZMET_HA_PG1, _PG2, _REST1, _REST2, _ETCD, _ETCD_PEER), data under DIR
# (default: a new temporary directory), synchronous replication (`synchronous_mode`), trust
# authentication on 127.0.0.1. Waits until a leader and a synchronous standby run, makes the
# database `qyzmet`, and prints the libpq multi-host URL on stdout (progress goes to stderr).
#
# Idempotent: run again on the same DIR it starts only what is not running (a member killed
# by crash.sh comes back and rejoins as a replica) and waits again. Stop with down.sh DIR.
# As root, etcd, Patroni and PostgreSQL run as the `postgres` user (QYZMET_HA_USER).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/qyzmet-ha-XXXXXX")}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TIMEOUT=${QYZMET_HA_TIMEOUT:-120}

for tool in etcd patroni "$HA_BIN/postgres" "$HA_BIN/psql" setpriv; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "\`$tool\` is missing: bash scripts/setup.sh installs etcd-server, patroni and postgresql-15"
done
id "$HA_USER" >/dev/null 2>&1 || die "the user \`$HA_USER\` (who runs PostgreSQL) does not exist"

if [ -f "$DIR/ports.env" ]; then
  load_ports "$DIR"
else
  busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  for p in "$HA_PG1" "$HA_PG2" "$HA_REST1" "$HA_REST2" "$HA_ETCD" "$HA_ETCD_PEER"; do
    ! busy "$p" || die "port $p on 127.0.0.1 is in use: choose others with QYZMET_HA_PG1, _PG2, _REST1, _REST2, _ETCD, _ETCD_PEER"
  done
  cat >"$DIR/ports.env" <<ENV
HA_PG1=$HA_PG1
HA_PG2=$HA_PG2
HA_REST1=$HA_REST1
HA_REST2=$HA_REST2
HA_ETCD=$HA_ETCD
HA_ETCD_PEER=$HA_ETCD_PEER
ENV
fi

# The user running PostgreSQL must reach DIR (a root-owned 0700 temporary directory: let
# others traverse it, nothing more) and own what is under it.
if [ "$(id -u)" = 0 ] && [ "$HA_USER" != root ]; then
  chmod a+x "$DIR"
  as_user test -x "$DIR" || die "\`$HA_USER\` cannot reach $DIR (a parent directory is closed to it)"
fi
for d in etcd m1 m2 run; do
  mkdir -p "$DIR/$d"
  chmod 700 "$DIR/$d"
  [ "$(id -u)" != 0 ] || chown "$HA_USER:" "$DIR/$d"
done

# Start PROGRAM… in its own session as HA_USER, its output appended to LOG, its pid in PIDFILE
# (setsid and setpriv exec in place: the pid is the program's).
spawn() {
  local pidfile=$1 log=$2
  shift 2
  local pre=()
  if [ "$(id -u)" = 0 ] && [ "$HA_USER" != root ]; then
    pre=(setpriv --reuid "$HA_USER" --regid "$(id -g "$HA_USER")" --init-groups --)
  fi
  HOME=$DIR setsid "${pre[@]}" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

if ! live_pid "$DIR/etcd.pid" "$DIR" >/dev/null; then
  say "starting etcd on 127.0.0.1:$HA_ETCD"
  spawn "$DIR/etcd.pid" "$DIR/etcd.log" etcd --name qz --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$HA_ETCD" \
    --advertise-client-urls "http://127.0.0.1:$HA_ETCD" \
    --listen-peer-urls "http://127.0.0.1:$HA_ETCD_PEER" \
    --initial-advertise-peer-urls "http://127.0.0.1:$HA_ETCD_PEER" \
    --initial-cluster "qz=http://127.0.0.1:$HA_ETCD_PEER" \
    --initial-cluster-state new --initial-cluster-token "qz-$(basename "$DIR")"
fi
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$HA_ETCD/health" 2>/dev/null | grep -q '"health":"true"' && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$HA_ETCD/health" 2>/dev/null | grep -q '"health":"true"' \
  || die "etcd did not become healthy; see $DIR/etcd.log: $(tail -n 5 "$DIR/etcd.log")"

# One Patroni configuration per member. ttl 10 s with a 1 s loop: a dead leader's key expires
# within 10 s (loop_wait + 2 × retry_timeout must stay under ttl).
member_config() {
  local name=$1 pg=$2 rest=$3
  cat <<YML
scope: qyzmet-ha
namespace: /qyzmet/
name: $name
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  host: 127.0.0.1:$HA_ETCD
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # Only the standby named in the DCS's /sync key may be promoted, and a commit returns
    # only once that standby has flushed it: a failover loses no acknowledged commit.
    # Not strict: with the standby gone the primary keeps taking writes alone (two members).
    synchronous_mode: true
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_connections: 100
        max_wal_senders: 5
        max_replication_slots: 5
        wal_keep_size: 64MB
        wal_log_hints: "on"
        synchronous_commit: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $DIR/$name/data
  bin_dir: $HA_BIN
  pgpass: $DIR/$name/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
    rewind:
      username: postgres
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: $DIR/run
    shared_buffers: 32MB
    logging_collector: "on"
YML
}

start_member() {
  local name=$1 pg=$2 rest=$3
  live_pid "$DIR/$name.pid" "$DIR" >/dev/null && return 0
  member_config "$name" "$pg" "$rest" >"$DIR/$name.yml"
  [ "$(id -u)" != 0 ] || chown "$HA_USER:" "$DIR/$name.yml"
  # A postmaster left by a killed Patroni would keep the port: Patroni adopts it or stops it.
  say "starting Patroni member $name (PostgreSQL 127.0.0.1:$pg, REST 127.0.0.1:$rest)"
  spawn "$DIR/$name.pid" "$DIR/$name.log" patroni "$DIR/$name.yml"
}
start_member m1 "$HA_PG1" "$HA_REST1"
start_member m2 "$HA_PG2" "$HA_REST2"

say "waiting (up to ${TIMEOUT}s) for a leader and a synchronous standby"
start=$(date +%s)
leader_port=
while :; do
  members=$(cluster_members || true)
  leader_port=$(awk '$2 == "leader" && $3 == "running" { print $4 }' <<<"$members")
  sync=$(awk '$2 == "sync_standby" && ($3 == "running" || $3 == "streaming") { print $1 }' <<<"$members")
  [ -n "$leader_port" ] && [ -n "$sync" ] && break
  if [ $(($(date +%s) - start)) -ge "$TIMEOUT" ]; then
    say "cluster now: ${members:-no answer from the REST API}"
    for f in etcd m1 m2; do
      say "--- $DIR/$f.log (last lines)"
      tail -n 15 "$DIR/$f.log" >&2 || true
    done
    die "no leader with a synchronous standby after ${TIMEOUT}s"
  fi
  sleep 0.5
done
say "leader on port $leader_port, synchronous standby $sync ($(($(date +%s) - start))s)"

psql_leader() {
  "$HA_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$leader_port" -U postgres -d postgres "$@"
}
if [ "$(psql_leader -tAc "SELECT 1 FROM pg_database WHERE datname = 'qyzmet'")" != 1 ]; then
  psql_leader -c "CREATE DATABASE qyzmet"
fi

url="postgres://postgres@127.0.0.1:$HA_PG1,127.0.0.1:$HA_PG2/qyzmet?target_session_attrs=read-write"
echo "$url" >"$DIR/url"
say "data in $DIR; stop with: bash scripts/ha/down.sh $DIR"
echo "$url"
