#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Rewrite a feed zip as zip64 (tests/feed/zip64.sh): its members again, each with the zip64 extra field in its local
# header (Python's force_zip64), then EXTRA header-only notification files of other operators: with EXTRA > 65534
# the archive has over 65535 entries and needs the zip64 end of central directory. Checks that both are there.
#
# zip64.py IN.zip OUT.zip EXTRA

import struct
import sys
import zipfile


def main():
    src, dst, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zo:
        names = zi.namelist()
        date = names[0][:15]
        for n in names:
            with zo.open(n, 'w', force_zip64=True) as w:
                w.write(zi.read(n))
        for i in range(extra):
            zo.writestr('%s_notifications_other%d.csv' % (date, i), 'imei,imsi,msisdn,block_date,reasons\n')
    data = open(dst, 'rb').read()
    # the first local header: signature, ..., name length at 26, extra length at 28; its extra starts with id 0x0001
    name_len, extra_len = struct.unpack('<HH', data[26:30])
    ext = data[30 + name_len:30 + name_len + extra_len]
    if not ext or struct.unpack('<H', ext[:2])[0] != 1:
        sys.exit('no zip64 extra field in the first local header')
    if len(names) + extra <= 65535:
        print('%d entries, zip64 local extra' % (len(names) + extra))
        return
    if b'PK\x06\x06' not in data[-200:] or b'PK\x06\x07' not in data[-200:]:
        sys.exit('no zip64 end of central directory record and locator')
    print('%d entries, zip64 local extra and end of central directory' % (len(names) + extra))


if __name__ == '__main__':
    main()
