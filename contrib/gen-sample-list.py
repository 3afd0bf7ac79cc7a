#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generates the bundled sample lists in contrib/sample/ (deterministic: the same bytes on every run).

national/  DIRBS list files of a national feed: blacklist, notifications and exceptions for operator_1
local/     an operator's own lists in osmo-eir-db's import forms: entries, ranges (and whole TACs), pairs
showcase.csv  hand-picked IMEIs and the verdict osmo-eir gives them with what osmo-eir-db loads today
              (the national blacklist imported as local black entries, plus the local lists)
All IMEIs are synthetic (TACs 35xxxxxx / 86xxxxxx chosen at random) and Luhn-valid."""
import os
import random
import sys


def luhn(d14):
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


def main(out):
    rnd = random.Random(20261123)
    reasons = ["Reported stolen", "Reported lost", "Duplicate IMEI", "Reported stolen|Police case",
               "Stolen, police ref 123"]
    # national blacklist: 3000 IMEIs in 30 TACs
    black_tacs = ["35%06d" % rnd.randrange(10**6) for _ in range(30)]
    black = set()
    while len(black) < 3000:
        black.add(rnd.choice(black_tacs) + "%06d" % rnd.randrange(10**6))
    black = sorted(black)
    rows = []
    for i, im in enumerate(black):
        d = "2025%02d%02d" % (rnd.randrange(1, 13), rnd.randrange(1, 29)) if i % 2 else \
            "2026%02d%02d" % (rnd.randrange(1, 11), rnd.randrange(1, 29))
        r = rnd.choice(reasons)
        r = '"%s"' % r if "," in r else r
        rows.append("%s,%s,%s" % (imei15(im) if i % 500 == 7 else im, d, r))
    write(out, "national/blacklist.csv", "imei,block_date,reasons", rows)

    # notifications for operator_1 (IMEIs not on the blacklist), some with two IMSIs
    notif_tac = "35%06d" % rnd.randrange(10**6)
    rows = []
    for i in range(450):
        im = notif_tac + "%06d" % (i * 37)
        for k in range(2 if i % 9 == 0 else 1):
            rows.append("%s,00101%010d,4479%08d,2026%02d%02d,Duplicate IMEI" %
                        (im, rnd.randrange(10**10), rnd.randrange(10**8), rnd.randrange(1, 12), rnd.randrange(1, 28)))
    write(out, "national/notifications_operator_1.csv", "imei,imsi,msisdn,block_date,reasons", rows)

    # exceptions for operator_1: half of them for blacklisted IMEIs
    rows = []
    for i in range(200):
        im = black[i * 13] if i % 2 else "35%06d%06d" % (rnd.randrange(10**6), rnd.randrange(10**6))
        rows.append("%s,00101%010d,4479%08d" % (im, rnd.randrange(10**10), rnd.randrange(10**8)))
    write(out, "national/exceptions_operator_1.csv", "imei,imsi,msisdn", rows)

    # local entries: 300 in their own TACs
    entry_tacs = ["86%06d" % rnd.randrange(10**6) for _ in range(5)]
    entries = {}
    while len(entries) < 300:
        entries[rnd.choice(entry_tacs) + "%06d" % rnd.randrange(10**6)] = rnd.choice(["white", "grey", "black"])
    local_reasons = {"white": "Recovered, returned to owner", "grey": "Under investigation", "black": "Operator block"}
    rows = ["%s,%s,%s" % (im, l, '"%s"' % local_reasons[l] if "," in local_reasons[l] else local_reasons[l])
            for im, l in sorted(entries.items())]
    write(out, "local/entries.csv", "imei,list,reason", rows)

    # local ranges: 15 ranges of 100 IMEIs in one TAC, and 5 whole TACs
    range_tac = "86%06d" % rnd.randrange(10**6)
    ranges = []
    for i in range(15):
        first = int(range_tac + "000000") + i * 1000
        ranges.append((first, first + 99, ["black", "grey"][i % 2], "Counterfeit batch %d" % (i + 1)))
    whole_tacs = ["86%06d" % rnd.randrange(10**6) for _ in range(5)]
    for i, t in enumerate(whole_tacs):
        ranges.append((int(t + "000000"), int(t + "999999"), "white" if i else "black",
                       "Approved model" if i else "Unapproved model"))
    rows = ["%014d,%014d,%s,%s" % r for r in sorted(ranges)]
    write(out, "local/ranges.csv", "first,last,list,reason", rows)

    # local pairs: 50, some for blacklisted IMEIs (the owner got it back)
    pairs = []
    for i in range(50):
        im = black[100 + i * 7] if i % 2 else rnd.choice(sorted(entries))
        pairs.append((im, "00101%010d" % rnd.randrange(10**10), "white" if i % 2 else "grey"))
    rows = ["%s,%s,%s,%s" % (im, imsi, l, "Owner verified" if l == "white" else "Watch") for im, imsi, l in pairs]
    write(out, "local/pairs.csv", "imei,imsi,list,reason", rows)

    # the showcase, with the verdicts that follow from the precedence
    bl_pair = pairs[1]
    black_only = next(im for im in black if im not in {p[0] for p in pairs})
    grey_entry = next(im for im, l in sorted(entries.items()) if l == "grey")
    white_entry = next(im for im, l in sorted(entries.items()) if l == "white")
    black_range = next(r for r in ranges if r[2] == "black" and r[1] - r[0] == 99)
    white_tac = next(r for r in ranges if r[2] == "white")
    nowhere = "35999999000001"
    assert nowhere not in black and not any(r[0] <= int(nowhere) <= r[1] for r in ranges)
    show = [
        (imei15(black_only), "", "BLACKLISTED", "national blacklist: 15 digits with check digit"),
        (black_only + "07", "", "BLACKLISTED", "the same as an IMEISV (16 digits)"),
        (bl_pair[0], "", "BLACKLISTED", "blacklisted IMEI asked without IMSI"),
        (bl_pair[0], bl_pair[1], "WHITELISTED", "the same IMEI with the IMSI of its white pair"),
        (grey_entry, "", "GREYLISTED", "local grey entry"),
        (white_entry, "", "WHITELISTED", "local white entry"),
        ("%014d" % black_range[0], "", "BLACKLISTED", "first IMEI of a black range"),
        ("%014d" % (black_range[1] + 1), "", "WHITELISTED", "one past its last: on no list"),
        ("%014d" % (white_tac[0] + 123456), "", "WHITELISTED", "inside a whitelisted TAC"),
        (nowhere, "", "WHITELISTED", "on no list: default policy"),
    ]
    rows = ["%s,%s,%s,%s" % s for s in show]
    write(out, "showcase.csv", "imei,imsi,expected,comment", rows)


def write(out, name, header, rows):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(r + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample"))
