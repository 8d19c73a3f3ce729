#!/usr/bin/env bash
# Migration time of one generated image over real rate-limited links: two network namespaces joined by a veth
# pair, shaped with tbf. The receiver runs in one namespace and the sender in the other; every run is checked
# byte for byte with cmp. Needs root (ip netns, tc). Tears everything down on exit, even on failure.
#
#   perf/links.sh [--size 1g] [--rates "1gbit 100mbit"] [--relay DELAY_MS,JITTER_MS,LOSS] [--out FILE]
#                 [--baseline DIR] [--engine-only]
#
# Variants on each link:
#   engine            dwcp send/receive, compression and deltas on (the default)
#   engine --no-hde   every page raw: the seeds' backward-compatibility mode
#   zstd -1 over TCP  the image piped through zstd level 1 into a TCP socket (perf/bench ZstdTcpPipe)
# With --baseline DIR (another checkout of this repository, built), its engine runs too, after this one on each
# link, for a before-and-after in one run; a checkout from before engines had keys runs without them.
# --engine-only skips the --no-hde and zstd variants.
# With --relay, the engine variants also run through perf/bench ImpairmentRelay in the receiver's namespace,
# adding seeded delay, jitter and loss on top of the shaped link.
# Prints a Markdown table, and writes it to FILE with --out.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size=1g
rates="1gbit 100mbit"
relay=""
out=""
baseline=""
engine_only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size="$2"; shift 2 ;;
        --rates) rates="$2"; shift 2 ;;
        --relay) relay="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --baseline) baseline="$(cd "$2" && pwd)"; shift 2 ;;
        --engine-only) engine_only=yes; shift ;;
        *) echo "links: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "links: needs root for ip netns and tc" >&2
    exit 2
fi
for tool in ip tc cmp; do
    command -v "$tool" >/dev/null || { echo "links: $tool is missing (apt-get install iproute2 diffutils)" >&2; exit 2; }
done

ns_a=dwcp-link-a
ns_b=dwcp-link-b
addr_a=10.77.0.1
addr_b=10.77.0.2
work="$(mktemp -d /tmp/dwcp-links.XXXXXX)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Build first, outside the timed runs.
"$here/dwcp" --version >/dev/null
[ -d "$here/perf/benchmarks/target/lib" ] || (cd "$here" && mvn -q -B install -DskipTests)

image="$work/image.img"
"$here/dwcp" generate --out "$image" --size "$size" --seed 42 >/dev/null
image_bytes=$(stat -c %s "$image")

setup_link() {
    local rate="$1"
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    ip netns add "$ns_a"
    ip netns add "$ns_b"
    ip link add dwcp-veth-a type veth peer name dwcp-veth-b
    ip link set dwcp-veth-a netns "$ns_a"
    ip link set dwcp-veth-b netns "$ns_b"
    ip -n "$ns_a" addr add "$addr_a/24" dev dwcp-veth-a
    ip -n "$ns_b" addr add "$addr_b/24" dev dwcp-veth-b
    # Jumbo frames, to match the lan driver profile's 8960-byte MTU.
    ip -n "$ns_a" link set dwcp-veth-a mtu 9000 up
    ip -n "$ns_b" link set dwcp-veth-b mtu 9000 up
    ip -n "$ns_a" link set lo up
    ip -n "$ns_b" link set lo up
    # Shape both directions. The burst covers one timer tick at the rate; the queue holds 50 ms of traffic.
    local bits
    case "$rate" in
        *gbit) bits=$(( ${rate%gbit} * 1000000000 )) ;;
        *mbit) bits=$(( ${rate%mbit} * 1000000 )) ;;
        *) echo "links: rate $rate must end in gbit or mbit" >&2; exit 2 ;;
    esac
    local burst=$(( bits / 8 / 250 + 65536 ))
    local limit=$(( bits / 8 / 20 + burst ))
    for side in "$ns_a dwcp-veth-a" "$ns_b dwcp-veth-b"; do
        set -- $side
        ip netns exec "$1" tc qdisc add dev "$2" root tbf rate "$rate" burst "$burst" limit "$limit"
    done
}

wait_gone() {
    local pid="$1"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# make_keys DIR: a key for each engine in DIR/keys, each trusting the other's (the engines are secure by default)
make_keys() {
    mkdir -p "$1/keys"
    "$here/dwcp" keygen --out "$1/keys/rcv.key" --name rcv | tail -1 >"$1/keys/snd.peers"
    "$here/dwcp" keygen --out "$1/keys/snd.key" --name snd | tail -1 >"$1/keys/rcv.peers"
}

# run_engine RATE LABEL SENDER_FLAGS USE_RELAY [HOME] -> prints "seconds wire_bytes"
run_engine() {
    local label="$2" sender_flags="$3" use_relay="$4" home="${5:-$here}"
    local dir="$work/run-$RANDOM"
    mkdir -p "$dir/out"
    local receiver_keys="" sender_keys=""
    if [ -f "$home/engine/src/main/java/io/dwcp/engine/cli/KeygenCommand.java" ]; then
        make_keys "$dir"
        receiver_keys="--key $dir/keys/rcv.key --peers $dir/keys/rcv.peers"
        sender_keys="--key $dir/keys/snd.key --peers $dir/keys/snd.peers"
    fi
    # shellcheck disable=SC2086
    ip netns exec "$ns_b" "$home/dwcp" receive --endpoint "$addr_b:40123" --output-dir "$dir/out" --profile lan \
        $receiver_keys >"$dir/receiver.log" 2>&1 &
    local receiver=$!
    pids+=("$receiver")
    local target="$addr_b:40123"
    local relay_pid=""
    if [ "$use_relay" = yes ]; then
        IFS=, read -r delay jitter loss <<<"$relay"
        ip netns exec "$ns_b" "$here/perf/bench" ImpairmentRelay --listen "$addr_b:40200" --to "$addr_b:40123" \
            --delay-ms "$delay" --jitter-ms "$jitter" --loss "$loss" --seed 7 >"$dir/relay.log" 2>&1 &
        relay_pid=$!
        pids+=("$relay_pid")
        target="$addr_b:40200"
    fi
    # shellcheck disable=SC2086
    ip netns exec "$ns_a" "$home/dwcp" send --commands "$dir/commands" --events "$dir/events" \
        --control-endpoint "$addr_a:40124" --profile lan $sender_keys $sender_flags >"$dir/sender.log" 2>&1 &
    local sender=$!
    pids+=("$sender")
    ip netns exec "$ns_a" "$home/dwcp" submit --commands "$dir/commands" --events "$dir/events" --file "$image" \
        --receiver "$target" --vm-id links --transfer-id 1 --timeout 900 >"$dir/submit.log" 2>&1 || true
    wait_gone "$sender"
    wait_gone "$receiver"
    [ -n "$relay_pid" ] && wait_gone "$relay_pid"
    local line
    line="$(grep '^completed:' "$dir/submit.log" || true)"
    if [ -z "$line" ]; then
        echo "links: $label failed:" >&2
        cat "$dir/submit.log" "$dir/sender.log" "$dir/receiver.log" >&2
        exit 1
    fi
    cmp "$image" "$dir/out/links-1.img" >&2 || { echo "links: $label: destination differs" >&2; exit 1; }
    # completed: N pages, W wire bytes, T s, digest ... verified
    echo "$line" | sed -E 's/.* ([0-9]+) wire bytes, ([0-9.]+) s.*/\2 \1/'
    rm -rf "$dir"
}

run_zstd() {
    local dir="$work/zstd-$RANDOM"
    mkdir -p "$dir"
    ip netns exec "$ns_b" "$here/perf/bench" ZstdTcpPipe receive "$addr_b:5000" "$dir/out.img" \
        >"$dir/receiver.log" 2>&1 &
    local receiver=$!
    pids+=("$receiver")
    local line
    line="$(ip netns exec "$ns_a" "$here/perf/bench" ZstdTcpPipe send "$image" "$addr_b:5000" 1 | grep '^completed:' ||
        true)"
    wait "$receiver" || true
    if [ -z "$line" ]; then
        echo "links: zstd over TCP failed:" >&2
        cat "$dir/receiver.log" >&2
        exit 1
    fi
    cmp "$image" "$dir/out.img" >&2 || { echo "links: zstd over TCP: destination differs" >&2; exit 1; }
    # completed: N logical bytes, W wire bytes, T s
    echo "$line" | sed -E 's/.* ([0-9]+) wire bytes, ([0-9.]+) s.*/\2 \1/'
    rm -rf "$dir"
}

table="| link | variant | migration time s | wire MiB | effective MB/s of image | note |
| --- | --- | ---: | ---: | ---: | --- |
"
row() {
    local link="$1" variant="$2" result="$3" note="$4"
    local seconds wire
    if [ -z "$result" ]; then
        echo "links: $variant on $link failed" >&2
        exit 1
    fi
    read -r seconds wire <<<"$result"
    table+="$(awk -v l="$link" -v v="$variant" -v s="$seconds" -v w="$wire" -v b="$image_bytes" -v n="$note" \
        'BEGIN { printf "| %s | %s | %.2f | %.1f | %.0f | %s |", l, v, s, w / 1048576, b / 1e6 / s, n }')
"
    echo "links: $link $variant: $seconds s, $wire wire bytes" >&2
}

for rate in $rates; do
    setup_link "$rate"
    row "$rate tbf" "engine, compression and deltas" "$(run_engine "$rate" "engine" "" no)" "verified with cmp"
    if [ -n "$baseline" ]; then
        row "$rate tbf" "baseline engine ($(git -C "$baseline" rev-parse --short HEAD))" \
            "$(run_engine "$rate" "baseline" "" no "$baseline")" "verified with cmp"
    fi
    if [ -z "$engine_only" ]; then
        row "$rate tbf" "engine --no-hde (raw pages)" "$(run_engine "$rate" "engine --no-hde" "--no-hde" no)" \
            "verified with cmp"
        row "$rate tbf" "zstd -1 over TCP" "$(run_zstd)" "verified with cmp"
    fi
    if [ -n "$relay" ]; then
        row "$rate tbf + relay $relay" "engine, compression and deltas" \
            "$(run_engine "$rate" "engine via relay" "" yes)" "delay ms, jitter ms, loss through ImpairmentRelay"
    fi
done

echo
echo "image: $size generated with seed 42 ($image_bytes bytes); driver profile lan; veth MTU 9000"
echo
printf '%s' "$table"
if [ -n "$out" ]; then
    printf '%s' "$table" >"$out"
fi
