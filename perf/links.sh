#!/usr/bin/env bash
# Migration time of one generated image over real rate-limited links: two network namespaces joined by a veth
# pair, shaped with tbf. The receiver runs in one namespace and the sender in the other; every run is checked
# byte for byte with cmp. Needs root (ip netns, tc). Tears everything down on exit, even on failure.
#
#   perf/links.sh [--size 1g] [--rates "1gbit 100mbit"] [--relay DELAY_MS,JITTER_MS,LOSS] [--out FILE]
#                 [--baseline DIR] [--engine-only] [--real | --image FILE] [--rtt MS] [--rate-change RATE@SECONDS]
#
# Variants on each link:
#   engine            dwcp send/receive, compression and deltas on (the default)
#   engine --no-hde   every page raw: the seeds' backward-compatibility mode
#   zstd -1 over TCP  the image piped through zstd level 1 into a TCP socket (perf/bench ZstdTcpPipe)
# With --baseline DIR (another checkout of this repository, built), its engine runs too, after this one on each
# link, for a before-and-after in one run; a checkout from before engines had keys runs without them.
# --engine-only skips the --no-hde and zstd variants.
# With --relay, the engine variants also run through perf/bench ImpairmentRelay in the receiver's namespace,
# adding seeded delay, jitter and loss on top of the shaped link (on the data path: pages, Aeron's status messages
# and NAKs; --relay 0,0,0.01 is the 1% loss variant).
# --rtt MS adds an engine row whose round trip is MS: a relay delays the data path by MS/2 each way and a second
# relay, in the sender's namespace, delays the receiver's replies by MS/2, so the engine's own probes see MS too.
# --rate-change RATE@SECONDS adds an engine row on each link faster than RATE, whose rate tc changes to RATE
# SECONDS after the transfer starts; the row gives the time from the change to the engine's first reaction (a
# LinkChanged event).
# --real captures real memory first (perf/bench MemoryCapture: a live JVM and a live CPython process, one
# snapshot each) and migrates the first --size bytes of the two, end to end; --image FILE migrates a file given.
# Each engine row's note has the tier the engine detected, the level and streams it chose, and its bandwidth
# prediction error, from the LinkChanged events; "link use" is wire bits over the time and the tbf rate.
# LINKS_SENDER_FLAGS="--workers 2 --threading DEDICATED" (for example) is added to every engine sender's flags.
# Prints a Markdown table, and writes it to FILE with --out.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size=1g
rates="1gbit 100mbit"
relay=""
out=""
baseline=""
engine_only=""
real=""
given_image=""
rtt=""
rate_change=""
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size="$2"; shift 2 ;;
        --rates) rates="$2"; shift 2 ;;
        --relay) relay="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --baseline) baseline="$(cd "$2" && pwd)"; shift 2 ;;
        --engine-only) engine_only=yes; shift ;;
        --real) real=yes; shift ;;
        --image) given_image="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
        --rtt) rtt="$2"; shift 2 ;;
        --rate-change) rate_change="$2"; shift 2 ;;
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
to_bytes() {
    case "$1" in
        *g) echo $(( ${1%g} << 30 )) ;;
        *m) echo $(( ${1%m} << 20 )) ;;
        *) echo "$1" ;;
    esac
}
if [ -n "$given_image" ]; then
    image="$given_image"
    image_kind="given ($given_image)"
elif [ -n "$real" ]; then
    # Real memory, captured now: one snapshot of a live JVM and one of a live CPython process, end to end.
    "$here/perf/bench" MemoryCapture --source both --snapshots 1 --interval 0 --out "$work/capture" >&2
    cat "$work/capture/jvm-0.mem" "$work/capture/python-0.mem" >"$image"
    # Cut to the size asked for, never padded: a capture smaller than that is migrated as it is.
    [ "$(stat -c %s "$image")" -gt "$(to_bytes "$size")" ] && truncate -s "$(to_bytes "$size")" "$image"
    rm -rf "$work/capture"
    image_kind="real memory captured by perf/bench MemoryCapture (a live JVM, then a live CPython process)"
else
    "$here/dwcp" generate --out "$image" --size "$size" --seed 42 >/dev/null
    image_kind="generated with seed 42"
fi
image_bytes=$(stat -c %s "$image")

rate_bits() {
    case "$1" in
        *gbit) echo $(( ${1%gbit} * 1000000000 )) ;;
        *mbit) echo $(( ${1%mbit} * 1000000 )) ;;
        *) echo "links: rate $1 must end in gbit or mbit" >&2; exit 2 ;;
    esac
}

# shape RATE VERB: tbf on both ends, VERB add or change. The burst covers one timer tick at the rate; the queue
# holds 50 ms of traffic.
shape() {
    local bits
    bits=$(rate_bits "$1")
    local burst=$(( bits / 8 / 250 + 65536 ))
    local limit=$(( bits / 8 / 20 + burst ))
    for side in "$ns_a dwcp-veth-a" "$ns_b dwcp-veth-b"; do
        set -- "$1" "$2" $side
        ip netns exec "$3" tc qdisc "$2" dev "$4" root tbf rate "$1" burst "$burst" limit "$limit"
    done
}

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
    shape "$rate" add
}

# wait_running LOG PID: until the engine says it serves (after its warm-up), or it exits, or 120 s go by.
wait_running() {
    local i
    for i in $(seq 1200); do
        grep -q ' running' "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || { echo "links: engine exited: $(cat "$1")" >&2; exit 1; }
        sleep 0.1
    done
    echo "links: engine not running after 120 s: $(cat "$1")" >&2
    exit 1
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

# run_engine RATE LABEL SENDER_FLAGS USE_RELAY [HOME] -> prints "seconds wire_bytes"; the link events of the run
# go to $work/links.log. USE_RELAY: no, yes (the --relay impairment) or rtt (--rtt, both directions).
run_engine() {
    local rate="$1" label="$2" sender_flags="$3" use_relay="$4" home="${5:-$here}"
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
    local relay_pid="" reply_pid="" reply_flags=""
    if [ "$use_relay" = yes ] || [ "$use_relay" = rtt ]; then
        if [ "$use_relay" = yes ]; then
            IFS=, read -r delay jitter loss <<<"$relay"
        else
            delay=$(( rtt / 2 )); jitter=0; loss=0
            # The replies (acks, probe echoes) travel their own path: delay it too.
            ip netns exec "$ns_a" "$here/perf/bench" ImpairmentRelay --listen "$addr_a:40224" --to "$addr_a:40124" \
                --delay-ms "$delay" --jitter-ms 0 --loss 0 --seed 8 >"$dir/reply-relay.log" 2>&1 &
            reply_pid=$!
            pids+=("$reply_pid")
            reply_flags="--reply-endpoint $addr_a:40224"
        fi
        ip netns exec "$ns_b" "$here/perf/bench" ImpairmentRelay --listen "$addr_b:40200" --to "$addr_b:40123" \
            --delay-ms "$delay" --jitter-ms "$jitter" --loss "$loss" --seed 7 >"$dir/relay.log" 2>&1 &
        relay_pid=$!
        pids+=("$relay_pid")
        target="$addr_b:40200"
    fi
    # shellcheck disable=SC2086
    ip netns exec "$ns_a" "$home/dwcp" send --commands "$dir/commands" --events "$dir/events" \
        --control-endpoint "$addr_a:40124" --profile lan $sender_keys $sender_flags $reply_flags ${LINKS_SENDER_FLAGS:-} \
        >"$dir/sender.log" 2>&1 &
    local sender=$!
    pids+=("$sender")
    # Engines warm up before they serve (dwcp.warmup.bytes): the transfer starts on engines that run.
    wait_running "$dir/receiver.log" "$receiver"
    wait_running "$dir/sender.log" "$sender"
    local changer=""
    if [ -n "$CHANGE_TO" ]; then
        # tc change mid-transfer; the time of the change is kept for the reaction time.
        (sleep "$CHANGE_AFTER"; shape "$CHANGE_TO" change; date +%s%3N >"$work/changed-at") &
        changer=$!
    fi
    ip netns exec "$ns_a" "$home/dwcp" submit --commands "$dir/commands" --events "$dir/events" --file "$image" \
        --receiver "$target" --vm-id links --transfer-id 1 --timeout 900 >"$dir/submit.log" 2>&1 || true
    [ -n "$changer" ] && wait "$changer"
    wait_gone "$sender"
    wait_gone "$receiver"
    [ -n "$relay_pid" ] && wait_gone "$relay_pid"
    [ -n "$reply_pid" ] && wait_gone "$reply_pid"
    grep '^link:' "$dir/submit.log" >"$work/links.log" || true
    # LINKS_KEEP_LOGS=DIR keeps each run's logs, for a look at what the engines said.
    if [ -n "${LINKS_KEEP_LOGS:-}" ]; then
        mkdir -p "$LINKS_KEEP_LOGS"
        for log in sender receiver submit; do cp "$dir/$log.log" "$LINKS_KEEP_LOGS/${label// /_}-$log.log"; done
    fi
    local line
    line="$(grep '^completed:' "$dir/submit.log" || true)"
    if [ -z "$line" ]; then
        echo "links: $label failed:" >&2
        cat "$dir/submit.log" "$dir/sender.log" "$dir/receiver.log" >&2
        exit 1
    fi
    cmp "$image" "$dir/out/links-1.img" >&2 || { echo "links: $label: destination differs" >&2; exit 1; }
    # A transfer reopened after a lost receiver reports the time and bytes of all its attempts: say it was.
    local attempts
    attempts=$(grep -c '^accepted by the receiver' "$dir/submit.log" || true)
    if [ "${attempts:-1}" -gt 1 ]; then
        echo "REOPENED $attempts attempts: time and bytes are the whole transfer's, every attempt" >>"$work/links.log"
        echo "links: $label: reopened, $attempts attempts" >&2
    fi
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

table="| link | variant | migration time s | wire MiB | effective MB/s of image | link use | note |
| --- | --- | ---: | ---: | ---: | ---: | --- |
"
CHANGE_TO=""
CHANGE_AFTER=""

# link_note: what the engine's LinkChanged events of the last run say: the tier, the mode, the prediction error.
link_note() {
    [ -s "$work/links.log" ] || { echo "no link events"; return; }
    local last
    last="$(grep '^link:' "$work/links.log" | grep -v ': completed:' | tail -1)"
    [ -z "$last" ] && last="$(tail -1 "$work/links.log")"
    local mode error
    mode="$(echo "$last" | sed -E 's/^link: at [0-9]+ ms: ([A-Z0-9]+) \(confidence ([0-9]+)%\), zstd level ([0-9-]+), ([0-9]+) streams.*pace ([^:]+):.*/\1 (\2%), level \3, \4 streams, pace \5/')"
    error="$(grep -o 'prediction error [^ ]* over [0-9]* predictions' "$work/links.log" | tail -1 || true)"
    local reopened
    reopened="$(grep '^REOPENED' "$work/links.log" || true)"
    echo "${reopened:+$reopened; }$mode; $(grep -c '^link:' "$work/links.log") link events; ${error:-prediction not scored}"
}

row() {
    local link="$1" variant="$2" result="$3" note="$4" rate="$5"
    local seconds wire
    if [ -z "$result" ]; then
        echo "links: $variant on $link failed" >&2
        exit 1
    fi
    read -r seconds wire <<<"$result"
    table+="$(awk -v l="$link" -v v="$variant" -v s="$seconds" -v w="$wire" -v b="$image_bytes" -v n="$note" \
        -v r="$(rate_bits "$rate")" \
        'BEGIN { printf "| %s | %s | %.2f | %.1f | %.0f | %.0f%% | %s |", l, v, s, w / 1048576, b / 1e6 / s,
            w * 8 / s / r * 100, n }')
"
    echo "links: $link $variant: $seconds s, $wire wire bytes; $note" >&2
}

for rate in $rates; do
    setup_link "$rate"
    result="$(run_engine "$rate" "engine" "" no)"
    row "$rate tbf" "engine, compression and deltas" "$result" "verified with cmp; $(link_note)" "$rate"
    if [ -n "$baseline" ]; then
        row "$rate tbf" "baseline engine ($(git -C "$baseline" rev-parse --short HEAD))" \
            "$(run_engine "$rate" "baseline" "" no "$baseline")" "verified with cmp" "$rate"
    fi
    if [ -z "$engine_only" ]; then
        result="$(run_engine "$rate" "engine --no-hde" "--no-hde" no)"
        row "$rate tbf" "engine --no-hde (raw pages)" "$result" "verified with cmp; $(link_note)" "$rate"
        row "$rate tbf" "zstd -1 over TCP" "$(run_zstd)" "verified with cmp" "$rate"
    fi
    if [ -n "$relay" ]; then
        result="$(run_engine "$rate" "engine via relay" "" yes)"
        row "$rate tbf + relay $relay" "engine, compression and deltas" "$result" \
            "delay ms, jitter ms, loss through ImpairmentRelay on the data path; $(link_note)" "$rate"
    fi
    if [ -n "$rtt" ]; then
        result="$(run_engine "$rate" "engine at $rtt ms RTT" "" rtt)"
        row "$rate tbf + $rtt ms RTT" "engine, compression and deltas" "$result" \
            "ImpairmentRelay delays on the data and reply paths; $(link_note)" "$rate"
    fi
    if [ -n "$rate_change" ] && [ "$(rate_bits "${rate_change%@*}")" -lt "$(rate_bits "$rate")" ]; then
        CHANGE_TO="${rate_change%@*}"
        CHANGE_AFTER="${rate_change#*@}"
        rm -f "$work/changed-at"
        start_ms=$(date +%s%3N)
        result="$(run_engine "$rate" "engine, $rate to $CHANGE_TO" "" no)"
        reaction="no change seen"
        if [ -f "$work/changed-at" ]; then
            changed_at=$(cat "$work/changed-at")
            first=$(awk -v c="$changed_at" '{ t = $3 + 0; if (t > c) { printf "%.0f\n", t; exit } }' "$work/links.log")
            [ -n "$first" ] && reaction="reacted $(( first - changed_at )) ms after the change"
        fi
        row "$rate tbf, tc change to $CHANGE_TO at ${CHANGE_AFTER} s" "engine, compression and deltas" "$result" \
            "$reaction; $(link_note)" "$rate"
        CHANGE_TO=""
        shape "$rate" change
        : "$start_ms"
    fi
done

echo
echo "image: $size, $image_kind ($image_bytes bytes); driver profile lan; veth MTU 9000"
echo
printf '%s' "$table"
if [ -n "$out" ]; then
    printf '%s' "$table" >"$out"
fi
