#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Silent clients for the lock-out tests: opens N TCP connections to 127.0.0.1:PORT one after the other and sends
# nothing on them (with --partial K, the first K send the first 16 bytes of the HTTP/2 preface and stop). Prints
# "open N", then "closed I" as the server closes connection I (0 = the oldest), and at the end "held I" for every
# connection still open after HOLD seconds. Stops early once every connection is closed, or when the file STOP
# exists (--stop FILE). Usage: silent.py PORT N HOLD [--partial K] [--stop FILE]
import os
import select
import socket
import sys
import time

args = sys.argv[1:]
partial, stop = 0, None
if '--partial' in args:
    i = args.index('--partial')
    partial = int(args[i + 1])
    del args[i:i + 2]
if '--stop' in args:
    i = args.index('--stop')
    stop = args[i + 1]
    del args[i:i + 2]
port, n, hold = int(args[0]), int(args[1]), float(args[2])

socks = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    if i < partial:
        s.sendall(b'PRI * HTTP/2.0\r\n')
    socks.append(s)
    # one at a time, so that the server's accept order is ours
    time.sleep(0.005)
print('open %d' % n, flush=True)
live = dict(enumerate(socks))
deadline = time.monotonic() + hold
while live and time.monotonic() < deadline and not (stop and os.path.exists(stop)):
    r, _, _ = select.select(list(live.values()), [], [], 0.1)
    for s in r:
        i = next(k for k, v in live.items() if v is s)
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        if not data:
            print('closed %d' % i, flush=True)
            del live[i]
for i in sorted(live):
    print('held %d' % i, flush=True)
