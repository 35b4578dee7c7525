#!/usr/bin/env bash
# Crashes one member of the cluster in DIR as a lost machine would: SIGKILL to its Patroni and
# to its PostgreSQL (the postmaster and every backend, walsender and worker it forked), with
# no shutdown of any kind. MEMBER is m1, m2 or `leader` (default: whichever leads now).
# Prints the member's name and PostgreSQL port. `up.sh DIR` starts it again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

[ $# -ge 1 ] || die "usage: crash.sh DIR [m1|m2|leader]"
DIR=$(cd "$1" && pwd)
load_ports "$DIR"
member=${2:-leader}
if [ "$member" = leader ]; then
  member=$(cluster_members | awk '$2 == "leader" { print $1 }')
  [ -n "$member" ] || die "no leader now"
fi
case $member in
  m1) port=$HA_PG1 ;;
  m2) port=$HA_PG2 ;;
  *) die "no member \`$member\` (m1, m2 or leader)" ;;
esac
patroni=$(live_pid "$DIR/$member.pid" "$DIR") || die "Patroni of $member does not run"
pm=$(postmaster_pid "$DIR" "$member") || die "PostgreSQL of $member does not run"
# Patroni first, so that it cannot restart its PostgreSQL in between.
kill -KILL "$patroni"
kill_postgres "$pm"
say "killed $member (Patroni $patroni, postmaster $pm and its children)"
echo "$member $port"
