#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generates the bundled sample lists in contrib/sample/ (or in the directory given as the only argument).

Deterministic: a fixed seed and the Python standard library only, so every run writes the same bytes
(tests/cli/sample.sh regenerates them and compares).

national/  the DIRBS list files of a national feed: blacklist.csv (imei,block_date,reasons), and
           notifications and exceptions for operator_1
local/     an operator's own lists in osmo-eir-db's import forms: entries.csv (imei,list,reason),
           ranges.csv (first,last,list,reason; some whole TACs), pairs.csv (imei,imsi,list,reason)
showcase.csv  hand-picked IMEIs (imei,imsi,expected,comment) and the verdict osmo-eir gives them with what
              the store run.sh makes: the local lists, and the national lists synced from a signed feed. The
              showcase IMEIs are chosen where the national blacklist and the local lists do not meet (the
              blacklist's TACs are its own), so the model below (the national blacklist as black entries)
              gives the verdict the store gives with its precedence.
              The expected verdicts are computed here from the generated data with the precedence
              (IMEI, IMSI) pair > IMEI entry > range or TAC > default WHITELISTED, and every row is checked to
              be decided at the level its comment names.

All IMEIs are synthetic (TACs 35xxxxxx and 86xxxxxx drawn at random) and Luhn-valid; IMSIs use the test
network's MCC/MNC 001 01."""
import bisect
import os
import random
import sys

SEED = 20261123
MCCMNC = "00101"


def luhn(d14):
    """The check digit of a 14-digit IMEI (TAC + SNR)."""
    s = 0
    for i, ch in enumerate(reversed(d14)):
        v = int(ch)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        s += v
    return str((10 - s % 10) % 10)


def imei15(d14):
    return d14 + luhn(d14)


def csv_field(s):
    """RFC 4180: quote a field holding a comma, a quote or a line break."""
    if any(c in s for c in ',"\r\n'):
        return '"%s"' % s.replace('"', '""')
    return s


def csv_row(*fields):
    return ",".join(csv_field(f) for f in fields)


class Store:
    """What osmo-eir-db holds after run.sh's imports, and the verdict it gives (local lists only)."""

    def __init__(self, entries, ranges, pairs):
        self.entries = entries                      # imei14 -> list
        self.pairs = {(im, imsi): l for im, imsi, l in pairs}
        self.ranges = sorted(ranges)                # (first, last, list, reason), never overlapping
        self.firsts = [r[0] for r in self.ranges]
        for a, b in zip(self.ranges, self.ranges[1:]):
            assert a[1] < b[0], "ranges overlap: %r %r" % (a, b)

    def range_of(self, imei14):
        i = bisect.bisect_right(self.firsts, int(imei14)) - 1
        if i >= 0 and self.ranges[i][0] <= int(imei14) <= self.ranges[i][1]:
            return self.ranges[i]
        return None

    def decide(self, imei, imsi=""):
        """(level, verdict) for an IMEI in any of its forms (14, 15 or 16 digits) and an optional IMSI."""
        assert len(imei) in (14, 15, 16) and imei.isdigit(), imei
        if len(imei) == 15:
            assert imei[14] == luhn(imei[:14]), "bad check digit: " + imei
        key = imei[:14]
        names = {"white": "WHITELISTED", "grey": "GREYLISTED", "black": "BLACKLISTED"}
        if imsi and (key, imsi) in self.pairs:
            return "pair", names[self.pairs[(key, imsi)]]
        if key in self.entries:
            return "entry", names[self.entries[key]]
        r = self.range_of(key)
        if r:
            return "range", names[r[2]]
        return "default", "WHITELISTED"

    def matches(self, imei14):
        """How many levels (entry, range, pairs) know this IMEI at all."""
        return (imei14 in self.entries) + (self.range_of(imei14) is not None) + \
            sum(1 for im, _ in self.pairs if im == imei14)


def main(out):
    rnd = random.Random(SEED)

    # --- national blacklist (DIRBS): 3000 IMEIs in 30 TACs, stored as 14 digits, a few with check digit ---
    reasons = ["Reported stolen", "Reported lost", "Duplicate IMEI", "Reported stolen|Police case",
               "Stolen, police ref 123"]
    black_tacs = ["35%06d" % rnd.randrange(10**6) for _ in range(30)]
    black = set()
    while len(black) < 3000:
        black.add(rnd.choice(black_tacs) + "%06d" % rnd.randrange(10**6))
    black = sorted(black)
    rows = []
    for i, im in enumerate(black):
        d = "2025%02d%02d" % (rnd.randrange(1, 13), rnd.randrange(1, 29)) if i % 2 else \
            "2026%02d%02d" % (rnd.randrange(1, 11), rnd.randrange(1, 29))
        rows.append(csv_row(imei15(im) if i % 500 == 7 else im, d, rnd.choice(reasons)))
    national = {"national/blacklist.csv": ("imei,block_date,reasons", rows)}

    # --- national notifications for operator_1: 450 IMEIs off the blacklist, every 9th with two IMSIs ---
    notif_tac = "35%06d" % rnd.randrange(10**6)
    assert notif_tac not in black_tacs
    rows = []
    for i in range(450):
        im = notif_tac + "%06d" % (i * 37)
        for _ in range(2 if i % 9 == 0 else 1):
            rows.append(csv_row(im, MCCMNC + "%010d" % rnd.randrange(10**10), "4479%08d" % rnd.randrange(10**8),
                                "2026%02d%02d" % (rnd.randrange(1, 12), rnd.randrange(1, 28)), "Duplicate IMEI"))
    national["national/notifications_operator_1.csv"] = ("imei,imsi,msisdn,block_date,reasons", rows)

    # --- national exceptions for operator_1: 200, every other one for a blacklisted IMEI ---
    rows = []
    for i in range(200):
        im = black[i * 13] if i % 2 else "35%06d%06d" % (rnd.randrange(10**6), rnd.randrange(10**6))
        rows.append(csv_row(im, MCCMNC + "%010d" % rnd.randrange(10**10), "4479%08d" % rnd.randrange(10**8)))
    national["national/exceptions_operator_1.csv"] = ("imei,imsi,msisdn", rows)

    # --- local entries: 300 in 5 TACs of their own ---
    entry_tacs = ["86%06d" % rnd.randrange(10**6) for _ in range(5)]
    entries = {}
    while len(entries) < 300:
        entries[rnd.choice(entry_tacs) + "%06d" % rnd.randrange(10**6)] = rnd.choice(["white", "grey", "black"])
    local_reasons = {"white": "Recovered, returned to owner", "grey": "Under investigation",
                     "black": "Operator block"}

    # --- local ranges: 15 of 100 IMEIs in one TAC (black and grey by turns), 5 whole TACs ---
    range_tac = "86%06d" % rnd.randrange(10**6)
    ranges = []
    for i in range(15):
        first = int(range_tac + "000000") + i * 1000
        ranges.append((first, first + 99, ["black", "grey"][i % 2], "Counterfeit batch %d" % (i + 1)))
    whole_tacs = ["86%06d" % rnd.randrange(10**6) for _ in range(5)]
    for i, t in enumerate(whole_tacs):
        ranges.append((int(t + "000000"), int(t + "999999"), "white" if i else "black",
                       "Approved model" if i else "Unapproved model"))
    all_86 = entry_tacs + [range_tac] + whole_tacs
    assert len(set(all_86)) == len(all_86), "entry and range TACs must be disjoint"

    # --- local pairs: 50, every other one for a nationally blacklisted IMEI (the owner got it back) ---
    pairs = []
    for i in range(50):
        im = black[100 + i * 7] if i % 2 else rnd.choice(sorted(entries))
        pairs.append((im, MCCMNC + "%010d" % rnd.randrange(10**10), "white" if i % 2 else "grey"))
    assert len({(p[0], p[1]) for p in pairs}) == len(pairs)

    # Deliberate overlap, for the showcase: one phone of an approved (white) TAC reported stolen to the
    # operator, an IMEI entry inside a whole-TAC range. No other entry lies in a range.
    stolen_in_white_tac = "%s%06d" % (whole_tacs[1], 424242)
    assert stolen_in_white_tac not in entries
    entries[stolen_in_white_tac] = "black"

    rows = [csv_row(im, l, local_reasons[l] if im != stolen_in_white_tac else "Reported stolen, operator ref 77")
            for im, l in sorted(entries.items())]
    local = {"local/entries.csv": ("imei,list,reason", rows)}
    rows = [csv_row("%014d" % f, "%014d" % la, l, r) for f, la, l, r in sorted(ranges)]
    local["local/ranges.csv"] = ("first,last,list,reason", rows)
    rows = [csv_row(im, imsi, l, "Owner verified" if l == "white" else "Watch") for im, imsi, l in pairs]
    local["local/pairs.csv"] = ("imei,imsi,list,reason", rows)

    # --- the verdicts of the store run.sh makes, modelled with the national blacklist as black entries ---
    assert not set(black) & set(entries)
    store = Store(dict(entries, **{im: "black" for im in black}), ranges, pairs)
    for im, l in entries.items():
        assert im == stolen_in_white_tac or store.range_of(im) is None, "entry %s in a range" % im

    # --- the showcase: one row per precedence level, decided where its comment says ---
    pair_imeis = {p[0] for p in pairs}
    black_only = next(im for im in black if im not in pair_imeis)
    bl_pair = next(p for p in pairs if p[2] == "white" and p[0] in black and store.matches(p[0]) == 2)
    other_imsi = MCCMNC + "0000000001"
    assert (bl_pair[0], other_imsi) not in store.pairs
    grey_entry = next(im for im, l in sorted(entries.items()) if l == "grey" and store.matches(im) == 1)
    white_entry = next(im for im, l in sorted(entries.items()) if l == "white" and store.matches(im) == 1)
    grey_pair_on_white = next(p for p in pairs if p[2] == "grey" and entries.get(p[0]) == "white")
    black_range = next(r for r in sorted(ranges) if r[2] == "black" and r[1] - r[0] == 99)
    grey_range = next(r for r in sorted(ranges) if r[2] == "grey" and r[1] - r[0] == 99)
    white_tac = next(r for r in ranges if r[2] == "white" and r[0] != int(whole_tacs[1] + "000000"))
    nowhere = "35999999000001"
    assert store.matches(nowhere) == 0 and nowhere not in black

    show = [  # (imei, imsi, level that must decide, comment)
        (imei15(black_only), "", "entry", "national blacklist: asked with its check digit (15 digits)"),
        (black_only + "07", "", "entry", "the same IMEI as an IMEISV (16 digits)"),
        (bl_pair[0], "", "entry", "national blacklist: asked without IMSI"),
        (bl_pair[0], bl_pair[1], "pair", "the same IMEI with the IMSI of its white pair: pair beats entry"),
        (bl_pair[0], other_imsi, "entry", "the same IMEI with another IMSI: still blacklisted"),
        (grey_entry, "", "entry", "local grey entry"),
        (white_entry, "", "entry", "local white entry"),
        (grey_pair_on_white[0], grey_pair_on_white[1], "pair", "white entry but a grey pair for this IMSI"),
        ("%014d" % black_range[0], "", "range", "first IMEI of a black range of 100"),
        ("%014d" % (black_range[1] + 1), "", "default", "one past its last: on no list"),
        ("%014d" % (grey_range[0] + 50), "", "range", "inside a grey range of 100"),
        ("%014d" % (white_tac[0] + 123456), "", "range", "inside a whitelisted TAC (whole-TAC range)"),
        (imei15(stolen_in_white_tac), "", "entry", "black entry inside a whitelisted TAC: entry beats TAC"),
        (nowhere, "", "default", "on no list: default policy"),
    ]
    rows = []
    for imei, imsi, want_level, comment in show:
        assert "," not in comment and '"' not in comment, "showcase comments stay plain for the shell's read"
        level, verdict = store.decide(imei, imsi)
        assert level == want_level, "%s %s: decided by %s, not %s" % (imei, imsi, level, want_level)
        rows.append(csv_row(imei, imsi, verdict, comment))
    files = dict(national, **local)
    files["showcase.csv"] = ("imei,imsi,expected,comment", rows)

    for name in sorted(files):
        write(out, name, *files[name])


def write(out, name, header, rows):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(r + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: gen-sample-list.py [OUTDIR]")
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample"))
