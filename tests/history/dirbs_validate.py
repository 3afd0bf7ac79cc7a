#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A validator for DIRBS operator data dumps, written from DIRBS-Core's etc/schema/OperatorImportSchema_v2.csvs and
# the operator importer's default checks (etc/config.yml operator_threshold, src/dirbs/importer/): the zip's name and
# member, the header, each field's pattern, the dates against the file name, the leading-zero check and the NULL,
# unclean, out-of-region and home-network ratios. No DIRBS code is used: the rules are restated here.
"""usage: dirbs_validate.py ZIP --operator ID --mcc-mnc MCCMNC [--cc CC] [--today YYYYMMDD]
       [--disable-msisdn-import] [--disable-null-check] [--set KEY=VALUE ...]
Prints PASS, or FAIL and every reason; exit 0 / 1 (2: bad usage)."""

import argparse
import csv
import datetime
import io
import os
import re
import sys
import zipfile

# OperatorImportSchema_v2.csvs: @totalColumns 5 @ignoreColumnNameCase; imei, imsi, msisdn and rat @optional
COLUMNS = ['date', 'imei', 'imsi', 'msisdn', 'rat']
PATTERNS = {
    # yyyymmdd from 2000, real calendar days (29 February in leap years only)
    'date': r'(20[0-9]{2}((0[13578]|1[02])31|(01|0[3-9]|1[0-2])(29|30)|(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8]))'
            r'|20([02468][048]|[13579][26])0229)',
    'imei': r'[0-9A-Fa-f*#]{1,16}',
    'imsi': r'[0-9]{1,15}',
    'msisdn': r'[0-9]{1,15}',
    # 3-digit codes 001-007 or 101-105, several joined by '|'
    'rat': r'(00[1-7]|10[1-5])(\|(00[1-7]|10[1-5]))*',
}
OPTIONAL = {'imei', 'imsi', 'msisdn', 'rat'}

# etc/config.yml operator_threshold defaults
THRESHOLDS = {
    'null_imei_threshold': 0.05, 'null_imsi_threshold': 0.05, 'null_msisdn_threshold': 0.05,
    'null_rat_threshold': 0.05, 'null_threshold': 0.05,
    'unclean_imei_threshold': 0.05, 'unclean_imsi_threshold': 0.05, 'unclean_threshold': 0.05,
    'out_of_region_imsi_threshold': 0.1, 'out_of_region_msisdn_threshold': 0.1, 'out_of_region_threshold': 0.1,
    'non_home_network_threshold': 0.2,
}


def fail(errors, msg):
    errors.append(msg)


def file_dates(name):
    # <operator_id>_<YYYYMMDD>_<YYYYMMDD>.zip; the importer takes the last two '_' parts as the dates
    base = os.path.splitext(os.path.basename(name))[0]
    parts = base.split('_')
    if len(parts) < 3:
        raise ValueError(name)
    start = datetime.datetime.strptime(parts[-2], '%Y%m%d').date()
    end = datetime.datetime.strptime(parts[-1], '%Y%m%d').date()
    return '_'.join(parts[:-2]), start, end


def norm(v):
    v = v.strip()
    return v if v else None


def imei_norm(v):
    # the first 14 digits when it starts with 14 digits (check digit and SV stripped), else upper case
    if v is None:
        return None
    return v[:14] if re.match(r'^\d{14}', v) else v.upper()


def validate(args):
    errors = []
    path = args.zip
    name = os.path.basename(path)
    if not name.lower().endswith('.zip'):
        fail(errors, 'input file does not have the extension .zip')
    try:
        op, start, end = file_dates(name)
    except ValueError:
        return ['invalid filename - must be <operator_id>_<YYYYMMDD>_<YYYYMMDD>.zip: %s' % name]
    if op != args.operator.lower():
        fail(errors, 'file name operator %r is not %r' % (op, args.operator.lower()))
    if end < start:
        fail(errors, 'start date later than end date in file name')
    if start > args.today:
        fail(errors, 'start date in the future in file name')
    if end > args.today:
        fail(errors, 'end date in the file name is in the future')
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        return errors + ['not a valid zip: %s' % e]
    members = zf.namelist()
    if len(members) != 1:
        return errors + ['%d files in the zip, want exactly 1' % len(members)]
    mbase, mext = os.path.splitext(os.path.basename(members[0]))
    if mbase != os.path.splitext(name)[0]:
        fail(errors, 'wrong file name in the zip %r: must match the zip name' % members[0])
    if mext != '.csv':
        fail(errors, 'the member %r does not end in .csv' % members[0])
    text = zf.read(members[0]).decode('utf-8')
    rows = list(csv.reader(io.StringIO(text, newline='')))
    if not rows:
        return errors + ['empty file: no header']
    header = rows[0]
    if [h.strip().lower() for h in header] != COLUMNS:
        fail(errors, 'header %r is not %s (any case)' % (','.join(header), ','.join(COLUMNS)))
    data = rows[1:]
    staged = []
    for i, r in enumerate(data, start=2):
        if len(r) != len(COLUMNS):
            fail(errors, 'line %d: %d columns, want %d' % (i, len(r), len(COLUMNS)))
            continue
        for col, v in zip(COLUMNS, r):
            if v == '' and col in OPTIONAL:
                continue
            if not re.fullmatch(PATTERNS[col], v):
                fail(errors, 'line %d: %s %r does not match the schema' % (i, col, v))
        staged.append({c: norm(v) for c, v in zip(COLUMNS, r)})
    if errors:
        return errors

    # binary checks: dates within the file name's period; leading zeros not stripped from the IMEIs
    outside = sum(1 for r in staged
                  if not (start <= datetime.datetime.strptime(r['date'], '%Y%m%d').date() <= end))
    if outside:
        fail(errors, '%d records are outside the date range supplied by the filename' % outside)
    zeros = sum(1 for r in staged if (r['imei'] or '').startswith('0'))
    ones = sum(1 for r in staged if (r['imei'] or '').startswith('1'))
    if ones > zeros:
        fail(errors, 'leading zero check: more IMEIs start with 1 than with 0')

    n = len(staged)
    if n == 0:
        return errors
    th = dict(THRESHOLDS)
    for kv in args.set:
        k, v = kv.split('=', 1)
        if k not in th:
            raise SystemExit('unknown threshold %s' % k)
        th[k] = float(v)
    msisdn_on = not args.disable_msisdn_import

    def ratio(pred):
        return sum(1 for r in staged if pred(r)) / n

    def limit(what, value, key):
        if value > th[key]:
            fail(errors, 'failed %s threshold: %.3f > %s %g' % (what, value, key, th[key]))

    for r in staged:
        r['imei_norm'] = imei_norm(r['imei'])
    if not args.disable_null_check:
        limit('NULL IMEI', ratio(lambda r: r['imei_norm'] is None), 'null_imei_threshold')
        limit('NULL IMSI', ratio(lambda r: r['imsi'] is None), 'null_imsi_threshold')
        if msisdn_on:
            limit('NULL MSISDN', ratio(lambda r: r['msisdn'] is None), 'null_msisdn_threshold')
        limit('NULL RAT', ratio(lambda r: r['rat'] is None), 'null_rat_threshold')
        cols = ['imei_norm', 'imsi', 'rat'] + (['msisdn'] if msisdn_on else [])
        limit('NULL (combined)', ratio(lambda r: any(r[c] is None for c in cols)), 'null_threshold')

    def unclean_imei(r):
        return r['imei_norm'] is not None and not re.match(r'^\d{14}', r['imei_norm'])

    def unclean_imsi(r):
        return r['imsi'] is not None and not 14 <= len(r['imsi']) <= 15

    limit('unclean IMEI', ratio(unclean_imei), 'unclean_imei_threshold')
    limit('unclean IMSI', ratio(unclean_imsi), 'unclean_imsi_threshold')
    limit('unclean (combined)', ratio(lambda r: unclean_imei(r) or unclean_imsi(r)), 'unclean_threshold')

    mccs = [m[:3] for m in args.mcc_mnc]

    def fails_prefix(v, prefixes):
        # a NULL value does not fail a prefix check
        return v is not None and not any(v.startswith(p) for p in prefixes)

    limit('out-of-region IMSI', ratio(lambda r: fails_prefix(r['imsi'], mccs)), 'out_of_region_imsi_threshold')
    if msisdn_on:
        limit('out-of-region MSISDN', ratio(lambda r: fails_prefix(r['msisdn'], args.cc)),
              'out_of_region_msisdn_threshold')
        limit('out-of-region (combined)',
              ratio(lambda r: fails_prefix(r['imsi'], mccs) or fails_prefix(r['msisdn'], args.cc)),
              'out_of_region_threshold')
    limit('non-home network IMSI', ratio(lambda r: fails_prefix(r['imsi'], args.mcc_mnc)),
          'non_home_network_threshold')
    return errors


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument('zip')
    p.add_argument('--operator', required=True)
    p.add_argument('--mcc-mnc', action='append', required=True)
    p.add_argument('--cc', action='append', default=[])
    p.add_argument('--today', default=None)
    p.add_argument('--disable-msisdn-import', action='store_true')
    p.add_argument('--disable-null-check', action='store_true')
    p.add_argument('--set', action='append', default=[], metavar='KEY=VALUE')
    args = p.parse_args()
    args.today = (datetime.datetime.strptime(args.today, '%Y%m%d').date() if args.today
                  else datetime.datetime.now(datetime.timezone.utc).date())
    errors = validate(args)
    if errors:
        print('FAIL')
        for e in errors:
            print('  ' + e)
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
