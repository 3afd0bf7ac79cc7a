#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A hostile HTTP/2 client for the tests: sends the preface and then request after request (HEADERS frames with
# END_STREAM, one header block encoded once by python3-hpack) without ever reading an answer, through a tiny
# receive buffer. Prints "blocked N" when the server stopped taking its requests, then holds the connection until
# the server closes it ("closed") or HOLD seconds pass ("held"). Usage: hog.py PORT PATH HOLD
import socket
import struct
import sys
import time

import hpack

port, path, hold = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', port))
s.setblocking(False)

enc = hpack.Encoder()
hdrs = [(':method', 'GET'), (':scheme', 'http'), (':authority', '127.0.0.1'), (':path', path)]
first, again = enc.encode(hdrs), enc.encode(hdrs)


def frame(ftype, flags, sid, payload):
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', ftype, flags, sid) + payload


out = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(4, 0, 0, b'') + frame(1, 5, 1, first)
sid, sent = 3, 0
last_progress = time.monotonic()
while time.monotonic() - last_progress < 1.0:
    while len(out) < 65536 and sid < 2**31 - 2:
        out += frame(1, 5, sid, again)
        sid += 2
    try:
        n = s.send(out)
        out = out[n:]
        sent += n
        last_progress = time.monotonic()
    except BlockingIOError:
        time.sleep(0.01)
print('blocked after %d requests' % ((sid - 1) // 2), flush=True)
deadline = time.monotonic() + hold
while time.monotonic() < deadline:
    try:
        s.send(b'')
        if s.recv(1, socket.MSG_PEEK) == b'':
            print('closed', flush=True)
            sys.exit(0)
    except BlockingIOError:
        pass
    except (ConnectionError, OSError):
        print('closed', flush=True)
        sys.exit(0)
    time.sleep(0.1)
print('held', flush=True)
