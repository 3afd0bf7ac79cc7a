#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A minimal Osmocom CTRL client (IPA-framed text commands). Usage:
#   ctrl.py PORT get VARIABLE          prints the value; exit 1 with the ERROR text on stderr
#   ctrl.py PORT set VARIABLE VALUE    prints the value replied
import socket
import struct
import sys

IPA_PROTO_OSMO = 0xEE
IPA_EXT_CTRL = 0x00


class Ctrl:
    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.id = 0
        self.buf = b""

    def _send(self, text):
        payload = bytes([IPA_EXT_CTRL]) + text.encode()
        self.s.sendall(struct.pack(">HB", len(payload), IPA_PROTO_OSMO) + payload)

    def _recv(self):
        while True:
            if len(self.buf) >= 3:
                n, proto = struct.unpack(">HB", self.buf[:3])
                if len(self.buf) >= 3 + n:
                    msg, self.buf = self.buf[3:3 + n], self.buf[3 + n:]
                    if proto == IPA_PROTO_OSMO and msg[:1] == bytes([IPA_EXT_CTRL]):
                        return msg[1:].decode(errors="replace")
                    continue
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("CTRL connection closed")
            self.buf += d

    def reply(self):
        """(type, id, rest) of the next message that is not a TRAP (for clients that pipeline)"""
        while True:
            typ, rest = self._recv().split(" ", 1)
            if typ == "TRAP":
                continue
            rid, rest = (rest.split(" ", 1) + [""])[:2]
            return typ, rid, rest

    def cmd(self, kind, var, value=None):
        """returns (ok, value-or-error-text)"""
        self.id += 1
        cid = str(self.id)
        self._send("%s %s %s%s" % (kind, cid, var, "" if value is None else " " + value))
        while True:
            typ, rid, rest = self.reply()
            if rid != cid:
                continue
            if typ == "ERROR":
                return False, rest
            v = rest.split(" ", 1)
            return True, v[1] if len(v) > 1 else ""

    def get(self, var):
        return self.cmd("GET", var)

    def set(self, var, value):
        return self.cmd("SET", var, value)


if __name__ == "__main__":
    c = Ctrl(int(sys.argv[1]))
    ok, v = c.cmd(sys.argv[2].upper(), sys.argv[3], " ".join(sys.argv[4:]) if len(sys.argv) > 4 else None)
    if ok:
        print(v)
        sys.exit(0)
    print(v, file=sys.stderr)
    sys.exit(1)
