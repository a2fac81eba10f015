#!/usr/bin/env python3
"""Writes the hand-made seeds of chan_model_fuzz into tests/fuzz/corpus/chan_model/.

Each seed is a small program in the encoding of chan_model.hpp, one scenario of Go's
channel semantics named by its file (seed-<name>); the rest of the corpus is what the
fuzzer found from them, minimized (docs/fuzzing.md). Rerunning this rewrites the seeds
only. Replay one readably with
    CHAN_MODEL_TRACE=1 build/fuzz/tests/fuzz/chan_model_fuzz tests/fuzz/corpus/chan_model/seed-<name>
"""
import os
import random
import sys

NIL, UNBUF = "nil", 0
SEND, RECV, TRY_SEND, TRY_RECV, CLOSE, SELECT, SELECT_DYN = range(7)


def program(chans, workers, steps):
    """chans: NIL, UNBUF or a capacity 1-3; steps: (worker, op, channel) or
    (worker, SELECT/SELECT_DYN, [(is_send, channel), ...], has_default, default_pos)."""
    out = bytearray([(len(chans) - 1) | ((workers - 2) << 2)])
    for c in chans:
        out.append(0 if c == NIL else 1 if c == UNBUF else c + 2)
    for s in steps:
        w, op = s[0], s[1]
        if op in (SELECT, SELECT_DYN):
            arms, dflt, pos = s[2], s[3], s[4] if len(s) > 4 else 0
            out.append(w | (op << 2))
            out.append((len(arms) - 1) | (int(dflt) << 2) | (pos << 3))
            out.extend(ch | (int(is_send) << 2) for is_send, ch in arms)
        else:
            out.append(w | (op << 2) | (s[2] << 5))
    return bytes(out)


S, R = True, False  # select arms: (S, ch) sends, (R, ch) receives

SEEDS = {
    "unbuffered-handoff": program([UNBUF], 2, [(0, SEND, 0), (1, RECV, 0)]),
    "unbuffered-receiver-first": program([UNBUF], 2, [(0, RECV, 0), (1, SEND, 0)]),
    "buffered-fifo": program([2], 2, [(0, SEND, 0), (0, SEND, 0), (1, RECV, 0), (1, RECV, 0), (1, RECV, 0)]),
    "buffered-full-sender-waits": program([1], 2, [(0, SEND, 0), (0, SEND, 0), (1, RECV, 0), (1, RECV, 0)]),
    "buffered-receiver-waits": program([2], 3, [(0, RECV, 0), (1, RECV, 0), (2, SEND, 0), (2, SEND, 0)]),
    "receivers-fifo": program([UNBUF], 4, [(0, RECV, 0), (1, RECV, 0), (2, RECV, 0), (3, SEND, 0), (3, SEND, 0),
                                          (3, SEND, 0)]),
    "senders-fifo": program([UNBUF], 4, [(0, SEND, 0), (1, SEND, 0), (2, SEND, 0), (3, RECV, 0), (3, RECV, 0),
                                        (3, RECV, 0)]),
    "senders-fifo-buffered": program([1], 4, [(0, SEND, 0), (1, SEND, 0), (2, SEND, 0), (3, RECV, 0), (3, RECV, 0),
                                             (3, RECV, 0)]),
    "close-wakes-receivers": program([UNBUF], 3, [(0, RECV, 0), (1, RECV, 0), (2, CLOSE, 0)]),
    "close-wakes-senders": program([UNBUF], 3, [(0, SEND, 0), (1, SEND, 0), (2, CLOSE, 0)]),
    "close-full-buffer-sender-panics": program([1], 3, [(0, SEND, 0), (0, SEND, 0), (1, CLOSE, 0), (2, RECV, 0),
                                                       (2, RECV, 0)]),
    "close-of-closed": program([UNBUF], 2, [(0, CLOSE, 0), (1, CLOSE, 0)]),
    "close-of-nil": program([NIL, UNBUF], 2, [(0, CLOSE, 0), (1, CLOSE, 1)]),
    "send-on-closed": program([3], 2, [(0, CLOSE, 0), (1, SEND, 0), (1, TRY_SEND, 0)]),
    "recv-drains-closed": program([3], 2, [(0, SEND, 0), (0, SEND, 0), (0, CLOSE, 0), (1, RECV, 0), (1, RECV, 0),
                                          (1, RECV, 0), (1, TRY_RECV, 0)]),
    "try-ops": program([UNBUF, 1, NIL], 2, [(0, TRY_SEND, 0), (0, TRY_RECV, 0), (0, TRY_SEND, 1), (0, TRY_SEND, 1),
                                           (1, TRY_RECV, 1), (1, TRY_RECV, 1), (1, TRY_SEND, 2), (1, TRY_RECV, 2),
                                           (0, RECV, 0), (1, TRY_SEND, 0)]),
    "nil-plain-ops-become-try": program([NIL], 2, [(0, SEND, 0), (1, RECV, 0)]),
    "select-default-not-ready": program([UNBUF], 2, [(0, SELECT, [(R, 0), (S, 0)], True)]),
    "select-several-ready": program([1, 1], 2, [(0, SEND, 0), (0, SEND, 1), (1, SELECT, [(R, 0), (R, 1)], False),
                                               (1, SELECT, [(R, 0), (R, 1)], True)]),
    "select-woken-by-send": program([UNBUF, UNBUF], 2, [(0, SELECT, [(R, 0), (R, 1)], False), (1, SEND, 1)]),
    "select-send-woken-by-recv": program([UNBUF, UNBUF], 2, [(0, SELECT, [(S, 0), (S, 1)], False), (1, RECV, 0)]),
    "select-send-and-recv-same-chan": program([UNBUF], 3, [(0, SELECT, [(S, 0), (R, 0)], False), (1, RECV, 0),
                                                          (0, SELECT, [(S, 0), (R, 0)], False), (2, SEND, 0)]),
    "select-both-ways-then-close": program([UNBUF], 2, [(0, SELECT, [(S, 0), (R, 0)], False), (1, CLOSE, 0)]),
    "select-nil-arm": program([UNBUF, NIL], 2, [(0, SELECT, [(R, 1), (R, 0), (S, 1)], False), (1, SEND, 0)]),
    "select-all-nil-gets-default": program([NIL, UNBUF], 2, [(0, SELECT, [(R, 0), (S, 0)], False)]),
    "select-send-on-closed-panics": program([2], 2, [(0, CLOSE, 0), (1, SELECT, [(S, 0)], True),
                                                    (1, SELECT_DYN, [(S, 0), (R, 0)], False)]),
    "select-recv-closed": program([UNBUF, UNBUF], 2, [(0, CLOSE, 1), (1, SELECT, [(R, 0), (R, 1)], False)]),
    "dynamic-default-in-middle": program([1, UNBUF], 2, [(0, SEND, 0), (1, SELECT_DYN, [(R, 0), (R, 1)], True, 1),
                                                        (1, SELECT_DYN, [(R, 0), (R, 1)], True, 1)]),
    "dynamic-two-arms-one-chan": program([UNBUF, UNBUF], 2, [(0, SELECT_DYN, [(R, 0), (R, 0), (R, 1)], False),
                                                            (1, SEND, 0)]),
    "dynamic-four-arms": program([UNBUF, 1, 3, NIL], 3, [(0, SELECT_DYN, [(S, 0), (R, 1), (S, 2), (R, 3)], False),
                                                        (1, SELECT_DYN, [(R, 0), (S, 1), (R, 2), (S, 3)], True, 4),
                                                        (2, RECV, 2)]),
    "select-meets-select": program([UNBUF, UNBUF], 2, [(0, SELECT, [(R, 0), (R, 1)], False),
                                                      (1, SELECT, [(S, 0), (S, 1)], False)]),
    "select-queue-order": program([UNBUF], 4, [(0, SELECT, [(R, 0)], False), (1, RECV, 0),
                                              (2, SELECT_DYN, [(R, 0), (S, 0)], False), (3, SEND, 0), (3, SEND, 0),
                                              (3, SEND, 0)]),
    "end-closes-wake-everyone": program([UNBUF, 1, 2], 4, [(0, RECV, 0), (1, SEND, 1), (1, SEND, 1),
                                                          (2, SELECT, [(R, 0), (S, 1)], False), (3, SEND, 0)]),
}


def random_program(rng):
    nchans, workers = rng.randint(1, 4), rng.randint(2, 4)
    chans = [rng.choice([NIL, UNBUF, UNBUF, 1, 2, 3]) for _ in range(nchans)]
    steps = []
    for _ in range(rng.randint(10, 40)):
        w, op = rng.randrange(workers), rng.choice([SEND, RECV, TRY_SEND, TRY_RECV, CLOSE, SELECT, SELECT_DYN, SEND])
        if op in (SELECT, SELECT_DYN):
            n = rng.randint(1, 3 if op == SELECT else 4)
            arms = [(rng.random() < 0.5, rng.randrange(nchans)) for _ in range(n)]
            steps.append((w, op, arms, rng.random() < 0.3, rng.randrange(n + 1) if op == SELECT_DYN else 0))
        elif op == CLOSE and rng.random() < 0.7:
            steps.append((w, RECV, rng.randrange(nchans)))  # closes end programs early: fewer of them
        else:
            steps.append((w, op, rng.randrange(nchans)))
    return program(chans, workers, steps)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "chan_model")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(25)
    seeds = dict(SEEDS)
    for i in range(6):
        seeds["random-%d" % i] = random_program(rng)
    for name, data in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
