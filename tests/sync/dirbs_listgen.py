#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A stand-in for DIRBS-Core's dirbs-listgen (src/dirbs/listgen/generator.py, read, not copied): writes one run's
# output directory the way it does, for the tests' DIRBS-shaped feeds (osmo-eir-feed publish-dirbs).
#
# What it reproduces: listgen__{date}/ holding only zips; every delta change type written, header-only when empty;
# base -1 when no earlier run (its deltas are then the entire lists); Python csv line ends (CRLF); the blacklist
# zip from {date}_blacklist*.csv and, operator by operator in the configured order, {date}_notifications_{op}*.csv
# and {date}_exceptions_{op}*.csv zipped and deleted, so op1's zip takes op10's files and op10's zip is empty;
# operator ids lowercased. The lists of each run are kept in --state, as DIRBS keeps them in its database.
#
# dirbs_listgen.py --state DIR --out DIR --run N --date YYYYMMDD_HHMMSS [--base B] [--no-full-lists]
#     --operators op1,op10 --blacklist FILE [--notifications OP=FILE]... [--exceptions OP=FILE]... [--omit GLOB]...
# Input files are CSV with the list's header. --omit deletes matching CSVs before zipping (a broken publisher).
# Prints the output directory.

import argparse
import csv
import fnmatch
import glob
import json
import os
import sys
import zipfile

BL_COLS = ['imei', 'block_date', 'reasons']
NOTIF_COLS = ['imei', 'imsi', 'msisdn', 'block_date', 'reasons']
EXC_COLS = ['imei', 'imsi', 'msisdn']
DELTA_REASONS = {
    'blacklist': ['blocked', 'unblocked', 'changed'],
    'notifications': ['new', 'resolved', 'blacklisted', 'no_longer_seen', 'changed'],
    'exceptions': ['added', 'removed'],
}


def read_rows(path, cols):
    if not path:
        return []
    with open(path, newline='') as f:
        return [{c: r.get(c, '') for c in cols} for r in csv.DictReader(f)]


def key(list_name, row):
    return row['imei'] if list_name == 'blacklist' else (row['imei'], row['imsi'], row['msisdn'])


def delta(list_name, old, new, new_blacklist):
    """{reason: rows} from old to new rows, keyed as DIRBS keys them."""
    out = {r: [] for r in DELTA_REASONS[list_name]}
    o = {key(list_name, r): r for r in old}
    n = {key(list_name, r): r for r in new}
    for k, r in n.items():
        if k not in o:
            out[{'blacklist': 'blocked', 'notifications': 'new', 'exceptions': 'added'}[list_name]].append(r)
        elif r != o[k] and list_name != 'exceptions':
            out['changed'].append(r)
    for k, r in o.items():
        if k in n:
            continue
        if list_name == 'blacklist':
            out['unblocked'].append(r)
        elif list_name == 'notifications':
            out['blacklisted' if r['imei'] in new_blacklist else 'resolved'].append(r)
        else:
            out['removed'].append(r)
    return out


def write_csv(path, cols, rows):
    # csv.DictWriter's default dialect ends lines with CRLF, as dirbs-listgen's files
    with open(path, 'w', newline='', encoding='utf8') as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction='ignore')
        w.writeheader()
        for r in rows:
            w.writerow(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--state', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--run', type=int, required=True)
    ap.add_argument('--date', required=True)
    ap.add_argument('--base', type=int)
    ap.add_argument('--no-full-lists', action='store_true')
    ap.add_argument('--operators', required=True)
    ap.add_argument('--blacklist', required=True)
    ap.add_argument('--notifications', action='append', default=[])
    ap.add_argument('--exceptions', action='append', default=[])
    ap.add_argument('--omit', action='append', default=[])
    a = ap.parse_args()

    ops = [o.lower() for o in a.operators.split(',')]
    inputs = {'notifications': {}, 'exceptions': {}}
    for list_name in inputs:
        for spec in getattr(a, list_name):
            op, path = spec.split('=', 1)
            inputs[list_name][op.lower()] = path
    lists = {'blacklist': read_rows(a.blacklist, BL_COLS)}
    for op in ops:
        lists['notifications_' + op] = read_rows(inputs['notifications'].get(op), NOTIF_COLS)
        lists['exceptions_' + op] = read_rows(inputs['exceptions'].get(op), EXC_COLS)

    os.makedirs(a.state, exist_ok=True)
    runs = sorted(int(n[4:-5]) for n in os.listdir(a.state) if n.startswith('run_') and n.endswith('.json'))
    base = a.base if a.base is not None else (runs[-1] if runs else -1)
    old = {}
    if base != -1:
        with open(os.path.join(a.state, 'run_%d.json' % base)) as f:
            old = json.load(f)

    out = os.path.join(a.out, 'listgen__' + a.date)
    os.makedirs(out)
    new_blacklist = {r['imei'] for r in lists['blacklist']}
    for name, rows in lists.items():
        list_name = name.split('_', 1)[0]
        cols = {'blacklist': BL_COLS, 'notifications': NOTIF_COLS, 'exceptions': EXC_COLS}[list_name]
        for reason, drows in delta(list_name, old.get(name, []), rows, new_blacklist).items():
            write_csv(os.path.join(out, '%s_%s_delta_%d_%d_%s.csv' % (a.date, name, base, a.run, reason)), cols,
                      drows)
        if not a.no_full_lists:
            write_csv(os.path.join(out, '%s_%s.csv' % (a.date, name)), cols, rows)
    for p in glob.glob(os.path.join(out, '*.csv')):
        if any(fnmatch.fnmatch(os.path.basename(p), g) for g in a.omit):
            os.remove(p)

    def zip_up(zip_name, pattern):
        with zipfile.ZipFile(os.path.join(out, zip_name), 'w') as zf:
            for p in sorted(glob.glob(os.path.join(out, pattern))):
                zf.write(p, arcname=os.path.basename(p))
                os.remove(p)

    zip_up('%s_blacklist.zip' % a.date, '%s_blacklist*.csv' % a.date)
    for op in ops:
        zip_up('%s_notifications_%s.zip' % (a.date, op), '%s_notifications_%s*.csv' % (a.date, op))
        zip_up('%s_exceptions_%s.zip' % (a.date, op), '%s_exceptions_%s*.csv' % (a.date, op))

    with open(os.path.join(a.state, 'run_%d.json' % a.run), 'w') as f:
        json.dump(lists, f)
    print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
