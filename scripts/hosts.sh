#!/usr/bin/env bash
# Test hosts on one machine: N Linux network namespaces, each with its own address on a
# bridge, so that `mpirun` runs ranks that talk over TCP as hosts on a network do.
#
#   scripts/hosts.sh up N [RATE]     make hosts 1 … N (10.77.0.1 … 10.77.0.N), every link
#                                    shaped to RATE (tc tbf, e.g. 10gbit or 1gbit) if given
#   scripts/hosts.sh mpirun N ARGS…  run `mpirun ARGS…` with one rank on each of hosts 1 … N,
#                                    over TCP only (no shared memory between ranks)
#   scripts/hosts.sh down            remove every host, link and the bridge (safe to repeat)
#
# Needs root (or CAP_NET_ADMIN) and iproute2 (`make deps` installs it). Each host is a
# namespace bp<i> with a veth pair: bpv<i> on the bridge bpbr0 (10.77.0.254, so that mpirun
# in this namespace reaches the daemons), eth0 inside at 10.77.0.<i>/24. Open MPI starts its
# daemon on host i through an "rsh agent" that runs the command in namespace bp<i>. Only
# these addresses are used; nothing leaves the machine.
set -euo pipefail

BRIDGE=bpbr0
NET=10.77.0
STATE=${BACKPROP_HOSTS_STATE:-/run/backprop-hosts}

usage() { sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

down() {
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^bp[0-9]+$' || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^bpv[0-9]+$' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$STATE"
}

shape() {  # shape NAMESPACE_OR_EMPTY DEVICE RATE
  local run=() ; [ -n "$1" ] && run=(ip netns exec "$1")
  "${run[@]}" tc qdisc replace dev "$2" root tbf rate "$3" burst 256kb latency 50ms
}

up() {
  local count=$1 rate=${2:-}
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 200 ] || usage
  down
  trap 'down' ERR
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.254/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in $(seq 1 "$count"); do
    ip netns add "bp$i"
    ip link add "bpv$i" type veth peer name "bpe$i"
    ip link set "bpe$i" netns "bp$i"
    ip link set "bpv$i" master "$BRIDGE" up
    ip netns exec "bp$i" ip link set lo up
    ip netns exec "bp$i" ip link set "bpe$i" name eth0
    ip netns exec "bp$i" ip addr add "$NET.$i/24" dev eth0
    ip netns exec "bp$i" ip link set eth0 up
    if [ -n "$rate" ]; then
      shape "" "bpv$i" "$rate"      # towards host i
      shape "bp$i" eth0 "$rate"     # from host i
    fi
  done
  trap - ERR
  mkdir -p "$STATE"
  # Open MPI calls the agent as `agent [options] HOST COMMAND…`; HOST is 10.77.0.<i>. The
  # command runs in namespace bp<i> under its own host name bp<i> (a UTS namespace), as on a
  # real host: Open MPI names its session directory in /tmp after the host name, and daemons
  # sharing one name race to make and fill the same directory. Host i's daemon and its rank
  # run on core (i − 1) mod the machine's cores, as a host has cores of its own: each daemon
  # sees the whole machine, and Open MPI's own binding would put every rank on core 0.
  cat > "$STATE/agent" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
i=${1##*.}; host=bp$i; shift
core=$(( (i - 1) % $(nproc) ))
exec ip netns exec "$host" unshare --uts taskset -c "$core" /bin/sh -c "echo $host > /proc/sys/kernel/hostname && $*"
EOF
  chmod +x "$STATE/agent"
  echo "$count" > "$STATE/count"
  echo "hosts 1-$count up at $NET.1-$NET.$count${rate:+, links at $rate}"
}

run_mpirun() {
  local count=$1; shift
  [ -x "$STATE/agent" ] || { echo "no hosts: run scripts/hosts.sh up N first" >&2; exit 1; }
  local made; made=$(cat "$STATE/count")
  [ "$count" -le "$made" ] || { echo "only $made hosts are up" >&2; exit 1; }
  local hosts; hosts=$(seq -s, -f "$NET.%g" 1 "$count")
  # With more hosts than cores, hosts share a core, and a rank waiting for a message must
  # give it back (mpi_yield_when_idle) or it holds off the rank beside it for a clock tick
  # per message (measured in docs/distributed.md). With a core each, ranks spin as on real
  # hosts, and the time their cores spend in the kernel is its TCP work alone.
  local yield=0; [ "$count" -gt "$(nproc)" ] && yield=1
  exec mpirun --host "$hosts" -np "$count" --mca plm_rsh_agent "$STATE/agent" \
    --mca oob_tcp_if_include "$NET.0/24" --mca btl tcp,self --mca btl_tcp_if_include "$NET.0/24" \
    --mca mpi_yield_when_idle "$yield" --bind-to none "$@"
}

case "${1:-}" in
  up) shift; [ $# -ge 1 ] || usage; up "$@" ;;
  down) down ;;
  mpirun) shift; [ $# -ge 2 ] || usage; run_mpirun "$@" ;;
  *) usage ;;
esac
