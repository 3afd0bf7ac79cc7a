#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A CSV list reordered by key for tests/sync/sorted.sh: the rows of one key (its first NKEY fields, a 15-digit IMEI
# as its 14 digits) stay together in the order of the file, so that whichever of them counts is the same in every
# order; the keys go in key order (sorted) or in a fixed pseudo-random order (shuffled).
#
# reorder.py IN OUT sorted|shuffled NKEY

import random
import sys


def key(line, nkey):
    f = line.rstrip('\r\n').split(',')[:nkey]
    if len(f[0]) == 15 and f[0].isdigit():
        f[0] = f[0][:14]
    return tuple((0, int(x), '') if x.isdigit() else (1, 0, x) for x in f)


def main():
    src, dst, order, nkey = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(src, newline='') as f:
        lines = f.readlines()
    groups = {}
    for line in lines[1:]:
        groups.setdefault(key(line, nkey), []).append(line)
    keys = sorted(groups)
    if order == 'shuffled':
        random.Random(15).shuffle(keys)
    with open(dst, 'w', newline='') as f:
        f.write(lines[0])
        for k in keys:
            f.write(''.join(groups[k]))


if __name__ == '__main__':
    main()
