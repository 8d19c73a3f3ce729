#!/usr/bin/env bash
# Builds the small QEMU guest the engine's QEMU tests, `dwcp demo --qemu` and perf/qemu/head-to-head.sh run:
# a Debian kernel (from Debian's linux-image package) and a busybox initramfs whose /init keeps dirtying memory
# and prints "heartbeat N" on the serial console (ttyS0) every half second. Everything is built at run time into a
# cache directory and never committed. Idempotent: a second run only checks. Installs what is missing
# (qemu-system-x86, busybox-static) with apt-get when run as root.
#
#   perf/qemu/guest.sh [--cache DIR]      (default: $DWCP_QEMU_CACHE, else ~/.cache/dwcp-qemu)
#
# Prints the cache directory, which then holds vmlinuz and initrd.cpio.gz.
#
# The guest's workload reads the kernel command line:
#   dwcp.dirty_pages=N      pages rewritten per step (default 64)
#   dwcp.dirty_interval=US  microseconds between steps (default 100000)
#   dwcp.fill_mb=N          MiB of mixed data (text, binaries, random) written once at boot (default 48)
set -euo pipefail
cache="${DWCP_QEMU_CACHE:-$HOME/.cache/dwcp-qemu}"
while [ $# -gt 0 ]; do
    case "$1" in
        --cache) cache="$2"; shift 2 ;;
        *) echo "guest: unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$cache"
# One builder at a time: tests and scripts may call this concurrently.
exec 9>"$cache/.lock"
flock 9

apt_updated=no
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "guest: $* missing; install with: sudo apt-get install -y $*" >&2
        exit 2
    fi
    if [ "$apt_updated" = no ]; then
        apt-get update -q >&2
        apt_updated=yes
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86
busybox_bin=""
for candidate in /bin/busybox /usr/bin/busybox; do
    if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then
        busybox_bin="$candidate"
        break
    fi
done
if [ -z "$busybox_bin" ]; then
    apt_install busybox-static
    busybox_bin=/bin/busybox
fi

if [ ! -s "$cache/vmlinuz" ]; then
    command -v apt-get >/dev/null || { echo "guest: needs apt-get to fetch a Debian kernel" >&2; exit 2; }
    if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
        apt-get update -q >&2
        apt_updated=yes
    fi
    package="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)"
    [ -n "$package" ] || { echo "guest: cannot resolve linux-image-amd64 to a kernel package" >&2; exit 2; }
    work="$(mktemp -d "$cache/kernel.XXXXXX")"
    (cd "$work" && apt-get download "$package" >&2)
    dpkg -x "$work"/*.deb "$work/root"
    cp "$(ls "$work"/root/boot/vmlinuz-* | head -1)" "$cache/vmlinuz.tmp"
    mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
    echo "$package" >"$cache/kernel-package"
    rm -rf "$work"
fi

# The init script is part of this file, so a changed script rebuilds the initramfs.
init_script="$(cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=90% tmpfs /work
pages=64
interval=100000
fill=48
for word in $(cat /proc/cmdline); do
    case "$word" in
        dwcp.dirty_pages=*) pages="${word#*=}" ;;
        dwcp.dirty_interval=*) interval="${word#*=}" ;;
        dwcp.fill_mb=*) fill="${word#*=}" ;;
    esac
done
# Mixed contents, like a real guest's page cache: text, binaries, random bytes.
cat /proc/kallsyms >/work/text 2>/dev/null
i=0
while [ $(( i * 4 )) -lt "$fill" ]; do
    cat /work/text /bin/busybox /work/text >/work/fill-$i
    dd if=/dev/urandom of=/work/random-$i bs=4096 count=128 2>/dev/null
    i=$(( i + 1 ))
done
dd if=/dev/zero of=/work/dirty bs=4096 count=4096 2>/dev/null
echo "dwcp-guest: ready, dirtying $pages pages every $interval us" >/dev/ttyS0
# The workload: rewrite pages of a 16 MiB tmpfs file, alternately with text and random bytes.
(
    n=0
    while true; do
        n=$(( n + 1 ))
        seek=$(( (RANDOM * 32768 + RANDOM) % (4096 - pages) ))
        if [ $(( n % 2 )) -eq 0 ]; then
            dd if=/work/text of=/work/dirty bs=4096 count="$pages" skip=$(( n % 64 )) seek="$seek" conv=notrunc 2>/dev/null
        else
            dd if=/dev/urandom of=/work/dirty bs=4096 count="$pages" seek="$seek" conv=notrunc 2>/dev/null
        fi
        [ "$interval" -gt 0 ] && usleep "$interval"
    done
) &
beat=0
while true; do
    beat=$(( beat + 1 ))
    echo "heartbeat $beat" >/dev/ttyS0
    usleep 500000
done
INIT
)"
digest="$(printf '%s\n%s\n' "$init_script" "$(sha256sum "$busybox_bin" | cut -d' ' -f1)" | sha256sum | cut -c1-16)"
if [ ! -s "$cache/initrd.cpio.gz" ] || [ "$(cat "$cache/initrd.digest" 2>/dev/null)" != "$digest" ]; then
    work="$(mktemp -d "$cache/initrd.XXXXXX")"
    mkdir -p "$work"/{bin,dev,proc,sys,work}
    cp "$busybox_bin" "$work/bin/busybox"
    printf '%s\n' "$init_script" >"$work/init"
    chmod 755 "$work/init"
    (cd "$work" && find . | "$busybox_bin" cpio -o -H newc 2>/dev/null | gzip -1 >"$cache/initrd.cpio.gz.tmp")
    mv "$cache/initrd.cpio.gz.tmp" "$cache/initrd.cpio.gz"
    echo "$digest" >"$cache/initrd.digest"
    rm -rf "$work"
fi
echo "$cache"
