#!/usr/bin/env bash
# Head to head: live migration of the same running QEMU guest over the same rate-limited links, by the engine
# (dwcp qemu-migrate: RAM through a sender and a receiver engine, device state through QEMU with x-ignore-shared)
# and by QEMU's own migration, plain and with multifd (2 channels) + zstd level 1. Same downtime limit (300 ms)
# for all. Two network namespaces joined by a veth pair (MTU 9000) shaped with tbf in both directions, as in
# perf/links.sh; the source QEMU, the sender and the agent run in one, the destination QEMU and the receiver in
# the other. Every run checks that the guest's serial heartbeat goes on on the destination from the source's count.
# Needs root (ip netns, tc).
#
#   perf/qemu/head-to-head.sh [--ram 512m] [--rates "1gbit 100mbit"] [--runs 3] [--lock FILE] [--doc]
#                             [--variants "engine plain multifd"]
#
# DWCP_ENGINE_JAVA_OPTS adds JVM options to both engines (DWCP_JAVA_OPTS reaches the agent).
#
# Variants: engine (as perf/links.sh runs it, profile lan, which runs Aeron's CUBIC congestion control); engine2 (the
# same with two sender workers on threads of their own, --workers 2 --threading DEDICATED, as multifd compresses on
# its 2 channels' threads); cubic (the
# same with CUBIC's supplier set explicitly as well, not run by default); plain (QEMU's own migration); multifd (QEMU,
# 2 channels + zstd level 1).
#
# Each variant runs --runs times, in turn with the others; the table gives the median and the range. With --lock,
# each migration holds flock(FILE) while it runs, so a shared machine's other heavy jobs wait for it, and it for them.
# Prints a Markdown table. --doc writes it, with the command and the machine, to docs/qemu-head-to-head.md and into
# docs/PERFORMANCE.md (perf/suite includes that file when it rewrites PERFORMANCE.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ram=512m
rates="1gbit 100mbit"
runs=3
variants="engine plain multifd"
doc=no
lock=""
command="perf/qemu/head-to-head.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
        --ram) ram="$2"; shift 2 ;;
        --rates) rates="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --doc) doc=yes; shift ;;
        --lock) lock="$2"; shift 2 ;;
        --variants) variants="$2"; shift 2 ;;
        *) echo "head-to-head: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "head-to-head: needs root for ip netns and tc" >&2
    exit 2
fi
for tool in ip tc; do
    command -v "$tool" >/dev/null || { echo "head-to-head: $tool is missing (apt-get install iproute2)" >&2; exit 2; }
done
case "$ram" in
    *g) ram_mib=$(( ${ram%g} * 1024 )) ;;
    *m) ram_mib=${ram%m} ;;
    *) echo "head-to-head: --ram must end in m or g" >&2; exit 2 ;;
esac

cache="$("$here/perf/qemu/guest.sh")"
if [ -n "$lock" ]; then
    exec {lock_fd}>"$lock"
fi
# locked FUNCTION ARGS: run one migration while holding --lock.
locked() {
    [ -z "$lock" ] || flock "$lock_fd"
    "$@"
    [ -z "$lock" ] || flock -u "$lock_fd"
}
if [ ! -d "$here/engine/target/lib" ] || [ ! -d "$here/perf/benchmarks/target/lib" ]; then
    (cd "$here" && mvn -q -B package -DskipTests)
fi

ns_a=dwcp-qemu-a
ns_b=dwcp-qemu-b
addr_a=10.78.0.1
addr_b=10.78.0.2
veth_a=dwcp-qveth-a
veth_b=dwcp-qveth-b
work="$(mktemp -d /dev/shm/dwcp-head-to-head.XXXXXX)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

setup_link() {
    local rate="$1"
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    ip netns add "$ns_a"
    ip netns add "$ns_b"
    ip link add "$veth_a" type veth peer name "$veth_b"
    ip link set "$veth_a" netns "$ns_a"
    ip link set "$veth_b" netns "$ns_b"
    ip -n "$ns_a" addr add "$addr_a/24" dev "$veth_a"
    ip -n "$ns_b" addr add "$addr_b/24" dev "$veth_b"
    ip -n "$ns_a" link set "$veth_a" mtu 9000 up
    ip -n "$ns_b" link set "$veth_b" mtu 9000 up
    ip -n "$ns_a" link set lo up
    ip -n "$ns_b" link set lo up
    # As perf/links.sh: the burst covers one timer tick at the rate; the queue holds 50 ms of traffic.
    local bits
    case "$rate" in
        *gbit) bits=$(( ${rate%gbit} * 1000000000 )) ;;
        *mbit) bits=$(( ${rate%mbit} * 1000000 )) ;;
        *) echo "head-to-head: rate $rate must end in gbit or mbit" >&2; exit 2 ;;
    esac
    local burst=$(( bits / 8 / 250 + 65536 ))
    local limit=$(( bits / 8 / 20 + burst ))
    ip netns exec "$ns_a" tc qdisc add dev "$veth_a" root tbf rate "$rate" burst "$burst" limit "$limit"
    ip netns exec "$ns_b" tc qdisc add dev "$veth_b" root tbf rate "$rate" burst "$burst" limit "$limit"
}

tx_bytes() {
    ip netns exec "$ns_a" cat "/sys/class/net/$veth_a/statistics/tx_bytes"
}

# qemu_line RAM_FILE QMP SERIAL: the guest's QEMU command line, as one shell string.
qemu_line() {
    printf '%s' "qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot -m ${ram_mib}M" \
        " -object memory-backend-file,id=mem,size=${ram_mib}M,mem-path=$1,share=on" \
        " -machine pc,memory-backend=mem -kernel $cache/vmlinuz -initrd $cache/initrd.cpio.gz" \
        " -append 'console=ttyS0 quiet panic=-1' -chardev file,id=serial0,path=$3 -serial chardev:serial0" \
        " -qmp unix:$2,server=on,wait=off"
}

heartbeat() {
    { grep -ao 'heartbeat [0-9]*' "$1" 2>/dev/null || true; } | tail -1 | cut -d' ' -f2
}

first_heartbeat() {
    { grep -ao 'heartbeat [0-9]*' "$1" 2>/dev/null || true; } | head -1 | cut -d' ' -f2
}

# boot_source DIR: the source guest in namespace a, running its workload for a few seconds. Sets source_pid.
boot_source() {
    local dir="$1"
    truncate -s "${ram_mib}M" "$dir/src.ram"
    ip netns exec "$ns_a" sh -c "exec $(qemu_line "$dir/src.ram" "$dir/src.qmp" "$dir/src.serial")" \
        >"$dir/src.log" 2>&1 &
    source_pid=$!
    pids+=("$source_pid")
    local waited=0
    while [ "$(heartbeat "$dir/src.serial")" = "" ] || [ "$(heartbeat "$dir/src.serial")" -lt 6 ]; do
        sleep 0.5
        waited=$(( waited + 1 ))
        if [ "$waited" -gt 240 ] || ! kill -0 "$source_pid" 2>/dev/null; then
            echo "head-to-head: the source guest did not boot:" >&2
            cat "$dir/src.log" >&2
            exit 1
        fi
    done
}

# check_moved DIR SOURCE_SERIAL DESTINATION_SERIAL LABEL: prints "went-on" when the heartbeat goes on on the
# destination from the source's count, "stopped" otherwise (the run's logs are then kept in the temp dir).
check_moved() {
    local dir="$1" label="$4"
    sleep 3
    local last first now
    last="$(heartbeat "$2")"
    first="$(first_heartbeat "$3")"
    now="$(heartbeat "$3")"
    # A line the source was printing as it stopped may be cut in two between the consoles.
    if [ -z "$first" ] || [ "$first" -le "$last" ] || [ "$first" -gt $(( last + 2 )) ] || [ "$now" -le "$first" ]; then
        local kept="${TMPDIR:-/tmp}/dwcp-head-to-head-stopped-$label-$RANDOM"
        mkdir -p "$kept"
        cp "$dir"/*.log "$dir"/*.serial "$kept/" 2>/dev/null || true
        local why="the destination printed no heartbeat after ${last:-none}"
        local oops
        oops="$(grep -a -m1 -E 'general protection fault|BUG:|Oops|Kernel panic' "$3" 2>/dev/null | cut -c1-110 || true)"
        if [ -n "$oops" ]; then
            why="the guest crashed on the destination right after the switchover: \`${oops#\[*\] }\`"
        fi
        echo "- $rate, $label, run $run: $why (source stopped at heartbeat $last, destination printed" \
            "${first:-none}..${now:-none})" >>"$work/stopped-runs"
        echo "head-to-head: $label: the heartbeat did not go on (source stopped at $last, destination" \
            "${first:-none}..${now:-none}); logs in $kept" >&2
        echo stopped
    else
        echo went-on
    fi
}

stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# make_keys DIR: a key for each engine in DIR/keys, each trusting the other's (the engines are secure by default)
make_keys() {
    mkdir -p "$1/keys"
    "$here/dwcp" keygen --out "$1/keys/rcv.key" --name rcv | tail -1 >"$1/keys/snd.peers"
    "$here/dwcp" keygen --out "$1/keys/snd.key" --name snd | tail -1 >"$1/keys/rcv.peers"
}

# run_engine DIR [ENGINE_JAVA_OPTS]: writes "total_s downtime_ms wire_bytes rounds reported_bytes heartbeat" to DIR/result
run_engine() {
    local dir="$1" engine_opts="${2:-}" sender_flags="${3:-}"
    mkdir -p "$dir/out" "$dir/agent"
    make_keys "$dir"
    DWCP_JAVA_OPTS="${DWCP_ENGINE_JAVA_OPTS:-} $engine_opts" ip netns exec "$ns_b" "$here/dwcp" receive --endpoint "$addr_b:40123" --output-dir "$dir/out" --profile lan \
        --key "$dir/keys/rcv.key" --peers "$dir/keys/rcv.peers" \
        >"$dir/receiver.log" 2>&1 &
    local receiver=$!
    pids+=("$receiver")
    DWCP_JAVA_OPTS="${DWCP_ENGINE_JAVA_OPTS:-} $engine_opts" ip netns exec "$ns_a" "$here/dwcp" send --commands "$dir/commands" --events "$dir/events" \
        --control-endpoint "$addr_a:40124" --profile lan $sender_flags \
        --key "$dir/keys/snd.key" --peers "$dir/keys/snd.peers" >"$dir/sender.log" 2>&1 &
    local sender=$!
    pids+=("$sender")
    boot_source "$dir"
    # Engines warm up before they serve (dwcp.warmup.bytes), as they would long before a migration in production.
    local i
    for i in $(seq 1200); do
        grep -q ' running' "$dir/receiver.log" && grep -q ' running' "$dir/sender.log" && break
        sleep 0.1
    done
    local before after
    before="$(tx_bytes)"
    ip netns exec "$ns_a" "$here/dwcp" qemu-migrate --source-qmp "$dir/src.qmp" \
        --commands "$dir/commands" --events "$dir/events" --receiver "$addr_b:40123" --destination-dir "$dir/out" \
        --incoming "tcp:$addr_b:4444" --work-dir "$dir/agent" --vm-id h2h --transfer-id 1 \
        --destination-command "ip netns exec $ns_b $(qemu_line "{ram}" "{qmp}" "$dir/dst.serial") -S -incoming defer" \
        >"$dir/agent.log" 2>&1 || { cat "$dir/agent.log" "$dir/sender.log" "$dir/receiver.log" >&2; exit 1; }
    after="$(tx_bytes)"
    local destination
    destination="$(sed -n 's/^destination QEMU pid \([0-9]*\) runs the guest.*/\1/p' "$dir/agent.log")"
    [ -n "$destination" ] && pids+=("$destination")
    local moved
    moved="$(check_moved "$dir" "$dir/src.serial" "$dir/dst.serial" engine)"
    local total downtime rounds reported device
    total="$(sed -n 's/^total time: \([0-9.]*\) ms$/\1/p' "$dir/agent.log")"
    # As QEMU's rows are measured: the source's STOP event to the destination's RESUME event, QEMU's timestamps.
    downtime="$(sed -n "s/^downtime by QEMU's events: \([0-9.]*\) ms.*/\1/p" "$dir/agent.log")"
    [ -n "$downtime" ] || downtime="$(sed -n 's/^downtime: \([0-9.]*\) ms.*/\1/p' "$dir/agent.log")"
    rounds="$(sed -n 's/^dirty sync count: //p' "$dir/agent.log")"
    reported="$(sed -n 's/^wire bytes: \([0-9]*\) kbytes.*/\1/p' "$dir/agent.log")"
    device="$(sed -n 's/^device state: \([0-9]*\) bytes.*/\1/p' "$dir/agent.log")"
    # The last run's logs of each link and variant stay, for a look at where the time went.
    local kept="${TMPDIR:-/tmp}/dwcp-head-to-head-logs/$(basename "$dir")"
    mkdir -p "$kept"
    cp "$dir/agent.log" "$dir/sender.log" "$dir/receiver.log" "$kept/"
    [ -n "$destination" ] && stop_pid "$destination"
    stop_pid "$source_pid"
    stop_pid "$sender"
    stop_pid "$receiver"
    echo "$(awk -v t="$total" 'BEGIN { printf "%.2f", t / 1000 }') $downtime $(( after - before )) $rounds" \
        "$(( reported * 1024 + device ))" "$moved" >"$dir/result"
}

# run_qemu DIR FLAGS: writes "total_s downtime_ms wire_bytes rounds reported_bytes heartbeat" to DIR/result
run_qemu() {
    local dir="$1" flags="$2"
    boot_source "$dir"
    truncate -s "${ram_mib}M" "$dir/dst.ram"
    ip netns exec "$ns_b" sh -c "exec $(qemu_line "$dir/dst.ram" "$dir/dst.qmp" "$dir/dst.serial") -incoming defer" \
        >"$dir/dst.log" 2>&1 &
    local destination=$!
    pids+=("$destination")
    local before after line
    before="$(tx_bytes)"
    # shellcheck disable=SC2086
    line="$("$here/perf/bench" QemuNativeMigration --source-qmp "$dir/src.qmp" --destination-qmp "$dir/dst.qmp" \
        --uri "tcp:$addr_b:4444" --downtime-limit-ms 300 $flags)" || { echo "$line" >&2; cat "$dir/dst.log" >&2; exit 1; }
    after="$(tx_bytes)"
    local moved
    moved="$(check_moved "$dir" "$dir/src.serial" "$dir/dst.serial" "qemu${flags:+-multifd}")"
    stop_pid "$destination"
    stop_pid "$source_pid"
    # completed: TOTAL total ms, DOWN downtime ms, Q qemu downtime ms, BYTES bytes, SYNCS syncs
    echo "$line" | sed -E 's/^completed: ([0-9]+) total ms, ([0-9.]+) downtime ms, [0-9]+ qemu downtime ms, ([0-9]+) bytes, ([0-9]+) syncs.*/\1 \2 \3 \4/' |
        awk -v w="$(( after - before ))" -v m="$moved" '{ printf "%.2f %s %d %s %s %s\n", $1 / 1000, $2, w, $4, $3, m }' \
        >"$dir/result"
}

# median_of FIELD FILE...: the median of one field of the result files.
median_of() {
    local field="$1"
    shift
    cat "$@" | awk -v f="$field" '{ v[NR] = $f }
        END {
            for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

targets="| link | engine variant | wire bytes / QEMU multifd+zstd (target <= 0.75) | total time / QEMU's (<= 1) | downtime / QEMU's (<= 1) |
| --- | --- | ---: | ---: | ---: |
"
cubic_property=aeron.CongestionControl.supplier
cubic_supplier=io.aeron.driver.ext.CubicCongestionControlSupplier
table="| link | variant | total time s | downtime ms | wire MiB | counted MiB | rounds | heartbeat went on |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
"
# row LINK VARIANT RESULT_FILE...: the median of each figure over the runs, and the range of time and downtime.
row() {
    local link="$1" variant="$2"
    shift 2
    table+="$(cat "$@" | awk -v l="$link" -v v="$variant" '
        function median(values, n,    sorted, i, j, t) {
            for (i = 1; i <= n; i++) sorted[i] = values[i]
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (sorted[j] < sorted[i]) {
                t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t
            }
            return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
        }
        function low(values, n,    i, m) { m = values[1]; for (i = 2; i <= n; i++) if (values[i] < m) m = values[i]; return m }
        function high(values, n,    i, m) { m = values[1]; for (i = 2; i <= n; i++) if (values[i] > m) m = values[i]; return m }
        { n++; t[n] = $1; d[n] = $2; w[n] = $3; r[n] = $4; c[n] = $5; if ($6 == "went-on") beat++ }
        END {
            printf "| %s | %s | %.2f (%.2f-%.2f) | %.0f (%.0f-%.0f) | %.1f | %.1f | %s | %s |", l, v,
                median(t, n), low(t, n), high(t, n), median(d, n), low(d, n), high(d, n),
                median(w, n) / 1048576, median(c, n) / 1048576, median(r, n), (beat + 0) "/" n
        }')
"
    echo "head-to-head: $link $variant: $(cat "$@" | tr '\n' ';')" >&2
}

has_variant() {
    case " $variants " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}
for rate in $rates; do
    setup_link "$rate"
    for run in $(seq 1 "$runs"); do
        for variant in $variants; do
            mkdir -p "$work/$rate-$run-$variant"
            case "$variant" in
                engine) locked run_engine "$work/$rate-$run-engine" ;;
                cubic) locked run_engine "$work/$rate-$run-cubic" "-D$cubic_property=$cubic_supplier" ;;
                engine2) locked run_engine "$work/$rate-$run-engine2" "" "--workers 2 --threading DEDICATED" ;;
                plain) locked run_qemu "$work/$rate-$run-plain" "" ;;
                multifd) locked run_qemu "$work/$rate-$run-multifd" --multifd-zstd ;;
                *) echo "head-to-head: unknown variant $variant (engine, engine2, cubic, plain, multifd)" >&2; exit 2 ;;
            esac
            cp "$work/$rate-$run-$variant/result" "$work/result-$rate-$variant-$run"
        done
        rm -rf "$work/$rate-$run-"*
    done
    has_variant engine && row "$rate tbf" "engine (dwcp qemu-migrate)" "$work/result-$rate-engine-"*
    has_variant engine2 && row "$rate tbf" "engine, 2 sender workers (as multifd's 2 channels)" "$work/result-$rate-engine2-"*
    has_variant cubic && row "$rate tbf" "engine, Aeron CUBIC congestion control" "$work/result-$rate-cubic-"*
    has_variant plain && row "$rate tbf" "QEMU, plain" "$work/result-$rate-plain-"*
    has_variant multifd && row "$rate tbf" "QEMU, multifd 2 channels + zstd 1" "$work/result-$rate-multifd-"*
    has_variant multifd || continue
    for variant in engine engine2 cubic; do
        has_variant "$variant" || continue
        label="engine"
        [ "$variant" = cubic ] && label="engine with CUBIC"
        [ "$variant" = engine2 ] && label="engine, 2 sender workers"
        targets+="$(awk -v l="$rate tbf" -v v="$label" \
            -v t="$(median_of 1 "$work/result-$rate-$variant-"*)" -v d="$(median_of 2 "$work/result-$rate-$variant-"*)" \
            -v w="$(median_of 3 "$work/result-$rate-$variant-"*)" \
            -v qt="$(median_of 1 "$work/result-$rate-multifd-"*)" -v qd="$(median_of 2 "$work/result-$rate-multifd-"*)" \
            -v qw="$(median_of 3 "$work/result-$rate-multifd-"*)" \
            'function mark(x, limit) { return x <= limit ? "met" : "missed" }
             BEGIN { printf "| %s | %s | %.2f (%s) | %.2f (%s) | %.2f (%s) |", l, v, w / qw, mark(w / qw, 0.75),
                 t / qt, mark(t / qt, 1), d / qd, mark(d / qd, 1) }')
"
    done
done

notes="Each figure is the median of $runs runs, the variants taking turns; time and downtime also give the range.
Guest: Debian kernel $(cat "$cache/kernel-package" 2>/dev/null) and the busybox initramfs of
perf/qemu/guest.sh, ${ram_mib} MiB of RAM in a shared memory-backend-file on tmpfs, TCG, its workload rewriting
64 pages (alternately text and random bytes) every 100 ms plus its boot-time page cache. Total time is from the
start of the migration to the guest running on the destination; downtime from the source's stop to the destination
running, for both alike: from the source's STOP event to the destination's RESUME event, both QMP timestamps on one
host clock (the agent prints it as \"downtime by QEMU's events\"; its own clock, from its stop command to the
destination's answer that it runs, is its \"downtime\" line, a few ms longer).
Wire MiB is every byte the source's side of the veth sent during the migration (RAM pages, device state,
protocol, retransmissions), read from its tx_bytes counter; counted MiB is what the migration itself counted (QEMU's
ram transferred; the engine's frame bytes plus QEMU's device-state stream). Heartbeat went on: in how many runs the
destination's serial console, three seconds after the switchover, counted on from the source's last heartbeat. Rounds: QEMU's dirty-sync-count; the engine's dirty-page scans
(round 0, the live rounds, the final round). QEMU runs with downtime-limit 300 ms and max-bandwidth unlimited
(so the tbf link is the limit); the engine's switchover-ready limit is 300 ms. The engines run as perf/links.sh
runs them (dwcp send and dwcp receive, driver profile lan, which runs Aeron's CUBIC congestion control; the
cubic variant, not run by default, sets -D$cubic_property=$cubic_supplier as well)."
why="Where the engine's time goes (the agent's log of the last run of each link is kept in
\${TMPDIR:-/tmp}/dwcp-head-to-head-logs): the agent is a JVM that starts with the migration; its scan of round 0
goes 64 MiB at a time, each range sent while the next is scanned, from before the engines have finished their
handshake; round 0 compresses the guest's 200-230 MiB of pages that are not zero (blocks of 64 pages, deltas by
dictionary and duplicates by reference later, docs/FRAME-CODEC.md) on the sender's one thread beside the TCG guest,
where multifd compresses on 2 threads. The downtime is the agent's final scan of the stopped guest's RAM (no dirty
log: every page that is not a hole of the RAM file is read, 25-45 ms), the final round, the digest (the receiver
verifies the destination ahead, between rounds, so the digest reads only the final round's pages) and QEMU's device
state. The engines warm up before they serve (dwcp.warmup.bytes, dwcp.warmup.transfers), as daemons would long before
a migration."
echo
printf '%s' "$table"
echo
printf '%s' "$targets"
echo
echo "$notes"
echo
echo "$why"
[ ! -s "$work/stopped-runs" ] || { echo; cat "$work/stopped-runs"; }
if [ "$doc" = yes ]; then
    section="$here/docs/qemu-head-to-head.md"
    {
        echo "## Live migration of a QEMU guest: the engine against QEMU"
        echo
        echo "Produced by \`$command\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))."
        echo
        printf '%s' "$table"
        echo
        echo "Against QEMU's multifd + zstd (medians):"
        echo
        printf '%s' "$targets"
        echo
        echo "$notes"
        echo
        echo "$why"
        if [ -s "$work/stopped-runs" ]; then
            echo
            echo "Runs in which the guest did not go on running on the destination:"
            echo
            cat "$work/stopped-runs"
        fi
    } >"$section"
    performance="$here/docs/PERFORMANCE.md"
    if [ -f "$performance" ]; then
        awk '/^## Live migration of a QEMU guest/ { exit } { print }' "$performance" >"$work/performance.md"
        { cat "$work/performance.md"; cat "$section"; } >"$performance"
    fi
    echo "head-to-head: wrote $section and its section of $performance" >&2
fi
