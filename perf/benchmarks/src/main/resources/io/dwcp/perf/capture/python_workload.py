"""An allocation-heavy CPython program whose memory the DWCP capture tool snapshots.

It builds an order book of dicts, lists, tuples, strings, bytes and bytearrays until its resident set reaches
--target-bytes, then churns at --ops-per-second: it replaces records, edits bytearrays in place, appends to a
rolling log and builds throw-away strings, favouring a hot set of records. It prints "ready" once warm and exits
when its standard input closes, so it never outlives the tool that started it.

    python3 python_workload.py [--target-bytes N] [--ops-per-second N] [--warm-up-ms N] [--seed N]
"""

import argparse
import os
import random
import sys
import threading
import time
from collections import deque

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu order customer invoice shipment "
         "warehouse pending settled").split()
TICKS_PER_SECOND = 20
LOG_LINES = 20000
LOW_NIBBLE = bytes(i & 0x0f for i in range(256))


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def exit_when_input_closes():
    def watch():
        while sys.stdin.buffer.read(1):
            pass
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


class Workload:
    def __init__(self, seed):
        self.random = random.Random(seed)
        self.orders = {}
        self.keys = []
        self.log = deque()
        self.counters = [0] * 65536
        self.sequence = 0
        self.sink = 0

    def word(self):
        return self.random.choice(WORDS)

    def payload(self):
        rnd = self.random
        length = 128 + rnd.randrange(1536)
        kind = rnd.randrange(10)
        if kind < 5:
            # JSON text: compresses well.
            count = 1 + length // 40
            words = rnd.choices(WORDS, k=3 * count)
            numbers = rnd.choices(range(10000), k=count)
            return ",".join('{"%s":%d,"note":"%s %s"}' % (words[3 * i], numbers[i], words[3 * i + 1], words[3 * i + 2])
                            for i in range(count)).encode()
        if kind < 8:
            # Small integers in a binary layout: compresses somewhat.
            data = bytearray(length)
            data[0::4] = rnd.randbytes(len(range(0, length, 4))).translate(LOW_NIBBLE)
            return data
        # Hashes or already-compressed data: does not compress.
        return rnd.randbytes(length)

    def new_order(self):
        rnd = self.random
        self.sequence += 1
        return {
            "id": self.sequence,
            "customer": self.word() + " " + self.word(),
            "sku": "SKU-%d" % rnd.randrange(100000),
            "quantity": rnd.randrange(500),
            "price": rnd.randrange(1000000) / 100.0,
            "timestamp": time.time(),
            "tags": [self.word() for _ in range(1 + rnd.randrange(6))],
            "position": (rnd.random(), rnd.random()),
            "payload": self.payload(),
        }

    def hot_index(self):
        # Skewed towards the oldest records, as real programs have a hot working set: the cube of a uniform
        # variable, so about 80% of operations touch the first half of the records.
        return int(len(self.keys) * self.random.random() ** 3)

    def new_key(self):
        self.sequence += 1
        return "order-%d-%s" % (self.sequence, self.word())

    def append_log(self):
        self.sequence += 1
        self.log.append("%d INFO %s %s id=%d latency=%.3fms" % (
            time.time() * 1000, self.word(), self.word(), self.sequence, self.random.random() * 20))
        if len(self.log) > LOG_LINES:
            self.log.popleft()

    def build(self, target_bytes):
        for _ in range(LOG_LINES):
            self.append_log()
        while resident_bytes() < target_bytes:
            for _ in range(1000):
                key = self.new_key()
                self.keys.append(key)
                self.orders[key] = self.new_order()

    def churn(self):
        rnd = self.random
        choice = rnd.randrange(100)
        if choice < 40:
            self.orders[self.keys[self.hot_index()]] = self.new_order()
        elif choice < 55:
            payload = self.orders[self.keys[self.hot_index()]]["payload"]
            if isinstance(payload, bytearray):
                at = rnd.randrange(len(payload))
                for i in range(at, min(len(payload), at + 1 + rnd.randrange(64))):
                    payload[i] = (payload[i] + 1 + rnd.randrange(3)) & 0xff
        elif choice < 70:
            self.append_log()
        elif choice < 85:
            for _ in range(16):
                index = rnd.randrange(len(self.counters))
                self.counters[index] += rnd.randrange(1000)
        elif choice < 95:
            order = self.orders[self.keys[self.hot_index()]]
            self.sink += len("order %d for %s: %d x %s at %s tagged %s" % (
                order["id"], order["customer"], order["quantity"], order["sku"], order["price"],
                ",".join(order["tags"])))
        else:
            index = self.hot_index()
            del self.orders[self.keys[index]]
            self.keys[index] = self.new_key()
            self.orders[self.keys[index]] = self.new_order()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target-bytes", type=int, default=256 << 20)
    parser.add_argument("--ops-per-second", type=int, default=20000)
    parser.add_argument("--warm-up-ms", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    exit_when_input_closes()

    workload = Workload(args.seed)
    workload.build(args.target_bytes)
    ops_per_tick = max(1, args.ops_per_second // TICKS_PER_SECOND)
    tick = 1.0 / TICKS_PER_SECOND
    ready_at = time.monotonic() + args.warm_up_ms / 1000.0
    ready = False
    next_tick = time.monotonic()
    while True:
        for _ in range(ops_per_tick):
            workload.churn()
        if not ready and time.monotonic() >= ready_at:
            ready = True
            print("ready", flush=True)
        next_tick += tick
        pause = next_tick - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            # Behind schedule, for example after a SIGSTOP: start counting again from now.
            next_tick = time.monotonic()


if __name__ == "__main__":
    main()
