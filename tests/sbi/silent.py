#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Silent clients for the lock-out tests: opens N TCP connections to 127.0.0.1:PORT one after the other and sends
# no request on them. With --preface K the first K send the whole HTTP/2 preface and an empty SETTINGS frame; with
# --partial K the next K send the first 16 bytes of the preface; the others send nothing. Prints "open N", then
# "closed I" as the server closes connection I (0 = the oldest; "closed I goaway" when a GOAWAY frame came first),
# and at the end "held I" for every connection still open after HOLD seconds. Stops early once every connection
# is closed, or when the file STOP exists (--stop FILE).
# Usage: silent.py PORT N HOLD [--preface K] [--partial K] [--stop FILE]
import os
import select
import socket
import struct
import sys
import time

args = sys.argv[1:]
opts = {'--preface': 0, '--partial': 0, '--stop': None}
for o in opts:
    if o in args:
        i = args.index(o)
        opts[o] = args[i + 1] if o == '--stop' else int(args[i + 1])
        del args[i:i + 2]
preface, partial, stop = opts['--preface'], opts['--partial'], opts['--stop']
port, n, hold = int(args[0]), int(args[1]), float(args[2])
PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
SETTINGS = b'\x00\x00\x00\x04\x00\x00\x00\x00\x00'


def goaway_in(buf):
    """whether the frames the server sent hold a GOAWAY (type 7)"""
    while len(buf) >= 9:
        length, ftype = struct.unpack('>I', b'\x00' + buf[:3])[0], buf[3]
        if ftype == 7:
            return True
        buf = buf[9 + length:]
    return False


socks = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    if i < preface:
        s.sendall(PREFACE + SETTINGS)
    elif i < preface + partial:
        s.sendall(PREFACE[:16])
    socks.append(s)
    # one at a time, so that the server's accept order is ours
    time.sleep(0.005)
print('open %d' % n, flush=True)
live = dict(enumerate(socks))
got = dict((i, b'') for i in live)
deadline = time.monotonic() + hold
while live and time.monotonic() < deadline and not (stop and os.path.exists(stop)):
    r, _, _ = select.select(list(live.values()), [], [], 0.1)
    for s in r:
        i = next(k for k, v in live.items() if v is s)
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        got[i] += data
        if not data:
            print('closed %d%s' % (i, ' goaway' if goaway_in(got[i]) else ''), flush=True)
            del live[i]
for i in sorted(live):
    print('held %d' % i, flush=True)
