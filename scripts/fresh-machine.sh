#!/usr/bin/env bash
# Tries the README's two commands as a new user would: on a freshly bootstrapped minimal
# Debian 12 (debootstrap --variant=minbase bookworm), with the committed tree cloned into
# /root/kpihub (mode 700, as on any Debian machine), it runs ./scripts/demo.sh twice and
# ./scripts/test.sh once, verbatim, from the clone, as root with a clean environment and stdin
# not a terminal, and prints one line per command with its exit status and time.
#
#   scripts/fresh-machine.sh [--container] [--demo-only] [--keep]
#     --container   (or --docker) add the /usr/sbin/policy-rc.d that Debian's container images ship
#     --demo-only   run the demo twice, skip the test command
#     --keep        leave the machine's root folder in place afterwards (its path is printed)
#   scripts/fresh-machine.sh --drop-cache
#                   delete the cached bootstrap (the next run bootstraps again)
#
# Run it by hand, as root, on a Debian machine with debootstrap and git installed and the
# Debian mirror reachable: the commands inside install their packages from it. What is tried
# is HEAD of this checkout: commit first.
#
# The bootstrap (about 5 minutes) is cached as a tarball in $KPIHUB_FRESH_CACHE (default
# /var/cache/kpihub-fresh/bookworm-minbase.tar) and unpacked for every run; --drop-cache, or
# deleting the file, throws it away. Each run gets a new root folder under
# $KPIHUB_FRESH_WORK (default /var/tmp) with proc, sysfs, /dev, /dev/pts and /dev/shm mounted
# as on a real machine; they are unmounted when the script ends, however it ends. The
# commands' output goes to a log per command, kept in $KPIHUB_FRESH_LOGS (default
# /var/tmp/kpihub-fresh-logs.XXXXXX).
# The chroot shares the host's network: the demo's fixed ports (7730, 9730) must be free.
# Environment: KPIHUB_FRESH_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

container=0 demo_only=0 keep=0 drop=0
for arg in "$@"; do
  case "$arg" in
    --container|--docker) container=1 ;;
    --demo-only) demo_only=1 ;;
    --keep) keep=1 ;;
    --drop-cache) drop=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--container] [--demo-only] [--keep] | --drop-cache" >&2; exit 2 ;;
  esac
done

cache=${KPIHUB_FRESH_CACHE:-/var/cache/kpihub-fresh/bookworm-minbase.tar}
mirror=${KPIHUB_FRESH_MIRROR:-http://deb.debian.org/debian}
if [ "$drop" = 1 ]; then
  rm -f "$cache"
  echo "dropped $cache"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
for tool in debootstrap git tar chroot mount umount; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse HEAD)
variant=plain
[ "$container" = 1 ] && variant=container

# ---- the cached bootstrap ------------------------------------------------------------------
if [ ! -f "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  stage=$(mktemp -d "$(dirname "$cache")/stage.XXXXXX")
  echo "bootstrapping Debian 12 (minbase) into $stage; cached as $cache" >&2
  debootstrap --variant=minbase bookworm "$stage" "$mirror" >"$stage.log" 2>&1 ||
    { tail -20 "$stage.log" >&2; rm -rf "$stage"; exit 1; }
  tar -C "$stage" --numeric-owner -cpf "$cache.part" .
  mv "$cache.part" "$cache"
  rm -rf "$stage" "$stage.log"
fi

# ---- the machine ---------------------------------------------------------------------------
root=$(mktemp -d "${KPIHUB_FRESH_WORK:-/var/tmp}/kpihub-fresh-$variant.XXXXXX")
logs=${KPIHUB_FRESH_LOGS:-$(mktemp -d /var/tmp/kpihub-fresh-logs.XXXXXX)}
mkdir -p "$logs"
mounted=()
# Processes still running inside the machine (a server a command left behind), by their ids.
inside() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
  done
  return 0
}
teardown() {
  local status=$? pids i
  set +e
  pids=$(inside)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    sleep 2
    pids=$(inside)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null && sleep 1
  fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
  done
  # Never delete through a mount point: /dev of the chroot is the host's /dev.
  if grep -q " $root/" /proc/mounts; then
    echo "$0: still mounted under $root; left in place" >&2
  elif [ "$keep" = 1 ]; then
    echo "machine kept: $root" >&2
  else
    rm -rf "$root"
  fi
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mnt() {  # mnt TARGET mount-arguments...
  local target=$root$1
  shift
  mount "$@" "$target"
  mounted+=("$target")
}

tar -C "$root" --numeric-owner -xpf "$cache"
# What the installer or the image leaves on a real machine: the mirror (with updates and
# security), name resolution, a hosts file.
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkpihub-fresh\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  > "$root/etc/hosts"
echo kpihub-fresh > "$root/etc/hostname"
if [ "$container" = 1 ]; then
  # As in Debian's official container images.
  cat > "$root/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh

# For most Docker users, "apt-get install" only happens during "docker build",
# where starting services doesn't work and often fails in humorous ways. This
# prevents those failures by stopping the services from attempting to start.

exit 101
EOF
  chmod 755 "$root/usr/sbin/policy-rc.d"
fi
mnt /proc -t proc proc
mnt /sys -t sysfs sysfs
mnt /dev --bind /dev
mnt /dev/pts -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts
mnt /dev/shm -t tmpfs -o mode=1777,nosuid,nodev shm

git clone -q --no-checkout "$repo" "$root/root/kpihub"
git -C "$root/root/kpihub" checkout -q -B "$(git -C "$repo" rev-parse --abbrev-ref HEAD)" "$commit"

echo "fresh-machine: Debian 12 minbase ($variant), kpihub ${commit:0:12} in /root/kpihub, logs in $logs"
failed=0
run() {  # run NAME COMMAND: COMMAND verbatim in /root/kpihub inside the machine
  local name=$1 command=$2 start status elapsed
  start=$(date +%s.%N)
  set +e
  chroot "$root" env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -lc "cd /root/kpihub && $command" </dev/null >"$logs/$name.log" 2>&1
  status=$?
  set -e
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  printf 'fresh-machine[%s]: %-20s exit %d in %d s (%dm%02ds)\n' "$variant" "$command" "$status" \
    "$elapsed" $((elapsed / 60)) $((elapsed % 60))
  [ "$status" -eq 0 ] || failed=1
}
run demo-1 ./scripts/demo.sh
run demo-2 ./scripts/demo.sh
[ "$demo_only" = 1 ] || run test ./scripts/test.sh
exit "$failed"
