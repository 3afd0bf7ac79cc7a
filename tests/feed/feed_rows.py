#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Full lists of any length for osmo-eir-feed publish, run 1 and run 2 of one feed (tests/feed/merge.sh and
# contrib/bench/feed-scale.sh): run 2 is run 1 with every Kth row removed, every Kth (offset) row's reason and block
# date changed and N/K new rows added, so that its deltas have about 3N/K entries. Seven reason texts, as national
# lists have few (a text per row would cost the store ~100 bytes an entry).
#
# feed_rows.py --rows N --run 1|2 --out DIR [--delta D] [--quirks] [--crlf]
#   writes DIR/bl.csv (N rows), DIR/notif.csv (N/10) and DIR/exc.csv (N/20); D: the run 2 blacklist delta's entries
#   (default N/100); --quirks adds what the feed allows: duplicate keys (the last row counts), 15-digit forms of
#   earlier IMEIs, invalid IMEIs, an IMSI-less row; --crlf ends lines with CRLF; --blacklist-only: notif.csv and
#   exc.csv header-only (contrib/bench/feed-scale.sh compares with osmo-eir-db import of the blacklist).

import argparse
import importlib.util
import os

# the IMEI check digit of the sample lists' generator, one Luhn for the project's Python
_spec = importlib.util.spec_from_file_location(
    'gen_sample_list', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'contrib',
                                    'gen-sample-list.py'))
_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gen)

SPACE = 10 ** 12	# IMEIs 35 followed by 12 digits: i -> 35 * SPACE + (i * MULT) % SPACE spreads the keys


def imei(i):
    return 35 * SPACE + (i * 1000003) % SPACE


def rows(n, run, k, quirks):
    """(index, imei text, variant) of a list of n rows: variant changes the non-key fields"""
    for i in range(n):
        if run == 2 and i % k == 0:
            continue	# removed in run 2
        variant = 1 if run == 2 and i % k == k // 2 else 0
        text = str(imei(i))
        if quirks:
            if i % 211 == 7:
                text = "12AB*#%d" % (i % 10)	# not an IMEI: its own key, by its text
            elif i % 101 == 3 and i > 0:
                prev = str(imei(i - 3))
                text = _gen.imei15(prev)	# the 15-digit form of an earlier row's IMEI: the same entry
        yield i, text, variant
        if quirks and i % 97 == 5:
            yield i, text, variant + 2		# the same key again, later in the file: this one counts
    if run == 2:
        for j in range(n // k):
            yield n + j, str(imei(n + j)), 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', type=int, required=True)
    ap.add_argument('--run', type=int, choices=(1, 2), required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--delta', type=int)
    ap.add_argument('--quirks', action='store_true')
    ap.add_argument('--crlf', action='store_true')
    ap.add_argument('--blacklist-only', action='store_true')
    a = ap.parse_args()
    eol = '\r\n' if a.crlf else '\n'
    os.makedirs(a.out, exist_ok=True)

    def k_for(n):
        d = a.delta if a.delta else max(n // 100, 3)
        return max(3 * n // d, 3) if n else 3

    n = a.rows
    with open(os.path.join(a.out, 'bl.csv'), 'w', newline='') as f:
        f.write('imei,block_date,reasons' + eol)
        buf = []
        for i, t, v in rows(n, a.run, k_for(n), a.quirks):
            buf.append('%s,2026110%d,"Stolen, category %d"%s' % (t, 1 + v, i % 7 + 10 * v, eol))
            if len(buf) >= 65536:
                f.write(''.join(buf))
                buf = []
        f.write(''.join(buf))
    n = 0 if a.blacklist_only else a.rows // 10
    with open(os.path.join(a.out, 'notif.csv'), 'w', newline='') as f:
        f.write('imei,imsi,msisdn,block_date,reasons' + eol)
        for i, t, v in rows(n, a.run, k_for(n), a.quirks):
            imsi = '' if a.quirks and i % 89 == 4 else '00101%010d' % i
            f.write('%s,%s,4477%08d,20261201,%s%s' % (t, imsi, i % 10 ** 8, 'Duplicate IMEI' if v == 0 else
                                                     'Duplicate IMEI|Invalid IMEI', eol))
    n = 0 if a.blacklist_only else a.rows // 20
    with open(os.path.join(a.out, 'exc.csv'), 'w', newline='') as f:
        f.write('imei,imsi,msisdn' + eol)
        for i, t, v in rows(n, a.run, k_for(n), a.quirks):
            # exceptions are keyed by all three fields: a "changed" one has another MSISDN (a new row, one removed)
            f.write('%s,00102%010d,4478%08d%s' % (t, i, (i + v) % 10 ** 8, eol))


if __name__ == '__main__':
    main()
