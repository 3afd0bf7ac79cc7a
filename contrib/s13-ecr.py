#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Ask an EIR about one handset over S13, like an MME would: CER, one ME-Identity-Check-Request, DPR.
Prints the answer, e.g. "BLACKLISTED (Result-Code 2001, Equipment-Status 1)"; exit 0 when an answer came.

usage: s13-ecr.py [--host 127.0.0.1] [--port 3868] [--origin-host mme.localdomain] [--realm localdomain]
                  [--dest-realm localdomain] IMEI [IMSI]"""
import argparse
import socket
import struct
import sys

S13, VENDOR = 16777252, 10415


def avp(code, data, flags=0x40, vendor=None):
    if vendor is not None:
        flags |= 0x80
    hlen = 12 if vendor is not None else 8
    b = struct.pack(">IB", code, flags) + (hlen + len(data)).to_bytes(3, "big")
    if vendor is not None:
        b += struct.pack(">I", vendor)
    return b + data + b"\0" * ((4 - (hlen + len(data)) % 4) % 4)


def u32(code, v):
    return avp(code, struct.pack(">I", v))


def msg(flags, cmd, app, avps, hbh):
    body = b"".join(avps)
    return struct.pack(">B", 1) + (20 + len(body)).to_bytes(3, "big") + struct.pack(">B", flags) + \
        cmd.to_bytes(3, "big") + struct.pack(">III", app, hbh, hbh) + body


def avps_of(data):
    out, i = {}, 0
    while i + 8 <= len(data):
        code, flags = struct.unpack(">IB", data[i:i + 5])
        ln = int.from_bytes(data[i + 5:i + 8], "big")
        h = 12 if flags & 0x80 else 8
        out.setdefault(code, data[i + h:i + ln])
        i += (ln + 3) & ~3
    return out


def recv_msg(s):
    buf = b""
    while len(buf) < 4 or len(buf) < int.from_bytes(buf[1:4], "big"):
        d = s.recv(65536)
        if not d:
            sys.exit("s13-ecr: the EIR closed the connection")
        buf += d
    return buf[:int.from_bytes(buf[1:4], "big")]


def main():
    p = argparse.ArgumentParser(description="Send one S13 ME-Identity-Check to an EIR.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3868)
    p.add_argument("--origin-host", default="mme.localdomain")
    p.add_argument("--realm", default="localdomain")
    p.add_argument("--dest-realm", default="localdomain")
    p.add_argument("imei")
    p.add_argument("imsi", nargs="?")
    a = p.parse_args()
    oh, orr = avp(264, a.origin_host.encode()), avp(296, a.realm.encode())
    s = socket.create_connection((a.host, a.port), timeout=5)
    s.sendall(msg(0x80, 257, 0, [oh, orr, avp(257, b"\0\1" + socket.inet_aton(s.getsockname()[0])), u32(266, 0),
                                  avp(269, b"s13-ecr", 0), avp(260, u32(266, VENDOR) + u32(258, S13))], 1))
    cea = avps_of(recv_msg(s)[20:])
    rc = struct.unpack(">I", cea[268])[0] if 268 in cea else None
    if rc != 2001:
        sys.exit("s13-ecr: CER refused, Result-Code %s" % rc)
    ti = avp(1401, avp(1402, a.imei.encode(), vendor=VENDOR), vendor=VENDOR)
    req = [avp(263, ("%s;1;1" % a.origin_host).encode()), u32(277, 1), oh, orr, avp(283, a.dest_realm.encode()), ti]
    if a.imsi:
        req.append(avp(1, a.imsi.encode()))
    s.sendall(msg(0xc0, 324, S13, req, 2))
    eca = avps_of(recv_msg(s)[20:])
    s.sendall(msg(0x80, 282, 0, [oh, orr, u32(273, 0)], 3))
    s.close()
    names = {0: "WHITELISTED", 1: "BLACKLISTED", 2: "GREYLISTED"}
    if 268 in eca:
        rc = struct.unpack(">I", eca[268])[0]
        if rc == 2001 and 1445 in eca:
            st = struct.unpack(">I", eca[1445])[0]
            print("%s (Result-Code 2001, Equipment-Status %d)" % (names.get(st, "?"), st))
        else:
            print("ERROR (Result-Code %d%s)" % (rc, ", " + eca[281].decode() if 281 in eca else ""))
    elif 297 in eca:
        erc = avps_of(eca[297]).get(298)
        code = struct.unpack(">I", erc)[0] if erc else None
        print("%s (Experimental-Result %s)" % ("UNKNOWN" if code == 5422 else "ERROR", code))
    else:
        print("ERROR (no result in the answer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
