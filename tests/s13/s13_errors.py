#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 and the Diameter base protocol on the wire, with a raw client written from RFC 6733 and TS 29.272: the
# answers to the digest's test vectors byte for byte, and every error path with its exact Result-Code, header
# flags and Failed-AVP. Usage: s13_errors.py PART PORT [ARGS]; prints ok / not ok lines, exits 1 on a failure.
import os
import re
import signal
import socket
import struct
import sys
import time

R, P, E = 0x80, 0x40, 0x20
V, M = 0x80, 0x40
S13, VENDOR = 16777252, 10415
fails = 0


def ok(cond, desc):
    global fails
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        fails += 1
    return cond


def avp(code, data, flags=M, vendor=None):
    if vendor is not None:
        flags |= V
    hlen = 12 if flags & V else 8
    b = struct.pack(">I", code) + bytes([flags]) + (hlen + len(data)).to_bytes(3, "big")
    if flags & V:
        b += struct.pack(">I", vendor)
    return b + data + b"\0" * ((4 - (hlen + len(data)) % 4) % 4)


def u32(code, v, flags=M, vendor=None):
    return avp(code, struct.pack(">I", v), flags, vendor)


def msg(flags, cmd, app, avps, hbh=0x11223344, e2e=0x55667788, version=1):
    body = b"".join(avps)
    return bytes([version]) + (20 + len(body)).to_bytes(3, "big") + bytes([flags]) + cmd.to_bytes(3, "big") + \
        struct.pack(">III", app, hbh, e2e) + body


def parse_avps(data):
    out, i = [], 0
    while i + 8 <= len(data):
        code = struct.unpack(">I", data[i:i + 4])[0]
        flags = data[i + 4]
        ln = int.from_bytes(data[i + 5:i + 8], "big")
        hlen = 12 if flags & V else 8
        vendor = struct.unpack(">I", data[i + 8:i + 12])[0] if flags & V else 0
        out.append({"code": code, "flags": flags, "vendor": vendor, "data": data[i + hlen:i + ln],
                    "raw": data[i:i + ln]})
        i += (ln + 3) & ~3
    return out


def parse(m):
    h = {"version": m[0], "len": int.from_bytes(m[1:4], "big"), "flags": m[4],
         "cmd": int.from_bytes(m[5:8], "big"), "app": struct.unpack(">I", m[8:12])[0],
         "hbh": struct.unpack(">I", m[12:16])[0], "e2e": struct.unpack(">I", m[16:20])[0]}
    return h, parse_avps(m[20:h["len"]])


def find(avps, code, vendor=0):
    return [a for a in avps if a["code"] == code and a["vendor"] == vendor]


def result_code(avps):
    rc = find(avps, 268)
    return struct.unpack(">I", rc[0]["data"])[0] if rc else None


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.eof = False

    def send(self, b):
        self.s.sendall(b)

    def try_send(self, b):
        """Send, where the server may have closed already (then nothing happens)."""
        try:
            self.s.sendall(b)
        except OSError:
            pass

    def send_parts(self, parts):
        """Each part in its own write, 0.2 s apart (the server reads them separately)."""
        for i, part in enumerate(parts):
            if i:
                time.sleep(0.2)
            self.try_send(part)

    def drain(self, timeout=5):
        """Every message until the server closes (eof set) or nothing comes for timeout seconds."""
        out = []
        while True:
            r = self.recv(timeout)
            if r is None:
                return out
            out.append(parse(r))

    def recv(self, timeout=5):
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 4:
                ln = int.from_bytes(self.buf[1:4], "big")
                if len(self.buf) >= ln:
                    m, self.buf = self.buf[:ln], self.buf[ln:]
                    return m
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                d = b""
            if not d:
                self.eof = True
                return None
            self.buf += d

    def closed(self, timeout=5):
        """True when the server closed the connection (without sending anything more)."""
        self.s.settimeout(timeout)
        try:
            d = self.s.recv(65536)
            return d == b""
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.s.close()


def cer(host="mme.example.org", realm="example.org", apps=(S13,), osi=None, vsai=True):
    avps = [avp(264, host.encode()), avp(296, realm.encode()), avp(257, b"\0\1\x7f\0\0\1"), u32(266, 0),
            avp(269, b"s13_errors", 0)]
    if osi is not None:
        avps.append(u32(278, osi))
    for a in apps:
        if vsai:
            avps.append(avp(260, u32(266, VENDOR) + u32(258, a)))
        else:
            avps.append(u32(258, a))
    return msg(R, 257, 0, avps, hbh=1, e2e=1)


def open_conn(port, host="mme.example.org", osi=None):
    c = Conn(port)
    c.send(cer(host, osi=osi))
    h, avps = parse(c.recv())
    assert result_code(avps) == 2001, "CER refused"
    return c


SID = avp(263, b"mme.example.org;1;1")
VSAI = avp(260, u32(266, VENDOR) + u32(258, S13))
ASS = u32(277, 1)
OH = avp(264, b"mme.example.org")
OR = avp(296, b"example.org")
DR = avp(283, b"example.org")


def ti(imei=b"35358511003417", sv=b"05"):
    inner = (avp(1402, imei, M, VENDOR) if imei is not None else b"") + (avp(1403, sv, M, VENDOR) if sv else b"")
    return avp(1401, inner, M, VENDOR)


def ecr(avps=None, flags=R | P, app=S13, cmd=324, imei=b"35358511003417", imsi=None, extra=(), hbh=0x11223344):
    if avps is None:
        avps = [SID, VSAI, ASS, OH, OR, DR, ti(imei)] + ([avp(1, imsi)] if imsi else []) + list(extra)
    return msg(flags, cmd, app, avps, hbh=hbh)


def ask(c, m):
    c.send(m)
    r = c.recv()
    if r is None:
        return None, None
    return parse(r)


def failed_inner(avps):
    f = find(avps, 279)
    return parse_avps(f[0]["data"]) if f else []


# the digest's vectors (protocol-digest.md §5.2)
C1 = bytes.fromhex(
    "010000ecc0000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b3100000001044000"
    "00200000010a4000000c000028af000001024000000c01000024000001154000000c0000000100000108400000176d6d652e6578616d"
    "706c652e6f72670000000128400000136578616d706c652e6f7267000000011b400000136578616d706c652e6f726700000005"
    "79c0000038000028af0000057ac000001a000028af333533353835313130303334313700000000057bc000000e000028af30350000"
    "000000014000001730303130313030303030303030303100")
C2 = bytes.fromhex(
    "010000a440000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b310000000104"
    "400000200000010a4000000c000028af000001024000000c010000240000010c4000000c000007d1000001154000000c00000001"
    "00000108400000176569722e6578616d706c652e6f72670000000128400000136578616d706c652e6f726700000005a5c0000010"
    "000028af00000000")
C3 = bytes.fromhex(
    "010000a840000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b310000000104"
    "400000200000010a4000000c000028af000001024000000c0100002400000129400000200000010a4000000c000028af0000012a"
    "4000000c0000152e000001154000000c0000000100000108400000176569722e6578616d706c652e6f7267000000012840000013"
    "6578616d706c652e6f726700")
C4_FAILED = bytes.fromhex("000001174000001400000579c000000c000028af")
V1 = bytes.fromhex(
    "010001848000010100000000000000720000007200000108400000186873732e656d62726174656c2e636f6d0000012840000014656d"
    "62726174656c2e636f6d000001014000000e0001ac1a008600000000010a4000000c000007db0000010d0000000f48535339383630"
    "000000012b4000000c0000000000000104400000200000010a4000000c000028af000001024000000c010000000000010440000020"
    "0000010a4000000c000028af000001024000000c0100000100000104400000200000010a4000000c000028af000001024000000c01"
    "00002400000104400000200000010a4000000c000028af000001024000000c0100002300000104400000200000010a4000000c0000"
    "28af000001024000000c0100003100000104400000200000010a4000000c000028af000001024000000c0100004b00000104400000"
    "200000010a4000000c000028af000001024000000c0100000500000104400000200000010a4000000c000007db000001024000000c"
    "f5c6f5150000010b0000000c00000000")


def part_open(port):
    """Server with 'unknown-peers accept' and the default policy."""
    # V1: a real HSS's CER, advertising S13 among 8 applications
    c = Conn(port)
    h, avps = ask(c, V1)
    ok(h is not None and result_code(avps) == 2001, "V1 (Huawei HSS9860 CER) accepted: CEA 2001")
    ok(h["flags"] == 0 and h["cmd"] == 257 and h["hbh"] == 0x72 and h["e2e"] == 0x72,
       "CEA: flags 0x00, cmd 257, hbh/e2e copied")
    vs = find(avps, 260)
    ok(any(find(parse_avps(v["data"]), 258) and
           struct.unpack(">I", find(parse_avps(v["data"]), 258)[0]["data"])[0] == S13 for v in vs),
       "CEA advertises VSAI {10415, 16777252}")
    ok(find(avps, 265) and struct.unpack(">I", find(avps, 265)[0]["data"])[0] == VENDOR,
       "CEA has Supported-Vendor-Id 10415")
    ok(find(avps, 269) and find(avps, 269)[0]["flags"] == 0, "Product-Name sent without M bit")
    hia = find(avps, 257)
    ok(hia and hia[0]["data"] == b"\0\1\x7f\0\0\1", "Host-IP-Address 127.0.0.1")
    ok(find(avps, 278), "CEA has Origin-State-Id")
    c.close()

    c = open_conn(port)
    c.send(C1)
    r = c.recv()
    ok(r == C2, "C1 (ECR, IMEI on no list) answered with exactly C2 (ECA 2001, WHITELISTED)")
    if r != C2:
        print("#   got      " + (r.hex() if r else "nothing"))
        print("#   expected " + C2.hex())

    for imei, status, what in [(b"35693803564380", 1, "black entry"), (b"35000001000001", 2, "grey entry"),
                               (b"35000001000002", 0, "white entry"), (b"356938035643809", 1, "15 digits"),
                               (b"356938035643800", 1, "15 digits, spare digit 0"),
                               (b"356938035643801", 1, "15 digits, wrong check digit"),
                               (b"3569380356438007", 1, "16 digits (IMEISV)"),
                               (b"35000004000150", 1, "in a black range")]:
        h, avps = ask(c, ecr(imei=imei))
        es = find(avps, 1445, VENDOR)
        ok(result_code(avps) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == status and
           es[0]["flags"] == V | M, "ECR %s (%s): 2001, Equipment-Status %d, flags V|M" % (imei.decode(), what, status))
    h, avps = ask(c, ecr(imei=b"35693803564380", imsi=b"001010000000001"))
    ok(struct.unpack(">I", find(avps, 1445, VENDOR)[0]["data"])[0] == 0, "pair (IMEI, IMSI) whitelists that IMSI")
    h, avps = ask(c, ecr(imei=b"35693803564380", imsi=b"001010000000002"))
    ok(struct.unpack(">I", find(avps, 1445, VENDOR)[0]["data"])[0] == 1, "another IMSI stays blacklisted")

    # the answer carries what the request asked to carry
    pi1 = avp(284, avp(280, b"proxy1.example.org") + avp(33, b"state-1"))
    pi2 = avp(284, avp(280, b"proxy2.example.org") + avp(33, b"state-2"))
    rr = avp(282, b"relay.example.org")
    h, avps = ask(c, ecr(extra=[pi1, rr, pi2]))
    ok([a["raw"] for a in find(avps, 284)] == [pi1, pi2], "both Proxy-Info echoed, in order")
    ok(not find(avps, 282), "no Route-Record in the answer")
    # at most 16 Proxy-Info are echoed; more: 5009 naming the 17th (the ECR path and every error answer alike),
    # and the largest request's Proxy-Infos always fit the answer (none dropped for its size)
    pis = [avp(284, avp(280, b"proxy%d.example.org" % i) + avp(33, b"s%d" % i)) for i in range(20)]
    for what, m in [("ECR", ecr(extra=pis)), ("unknown command (3001)", msg(R | P, 999, S13, [SID, OH, OR, DR] + pis))]:
        h, avps = ask(c, m)
        fi = failed_inner(avps)
        ok(h is not None and result_code(avps) == 5009 and h["flags"] == P and fi and fi[0]["raw"] == pis[16] and
           [a["raw"] for a in find(avps, 284)] == pis[:16],
           "%s with 20 Proxy-Info: 5009, E clear, Failed-AVP the 17th, the first 16 echoed in order" % what)
    big = [avp(284, avp(280, b"proxy%d.example.org" % i) + avp(33, bytes([65 + i]) * 3900)) for i in range(16)]
    for what, m, code in [("ECR", ecr(extra=big), 2001),
                          ("unknown command", msg(R | P, 999, S13, [SID, OH, OR, DR] + big), 3001),
                          ("unknown M AVP", ecr(extra=big + [avp(99999, b"surprise", M)]), 5001)]:
        h, avps = ask(c, m)
        ok(h is not None and len(m) > 63000 and result_code(avps) == code and
           [a["raw"] for a in find(avps, 284)] == big,
           "%s of %d bytes with 16 Proxy-Info of 3.9 kB: answered %d with all 16 echoed" % (what, len(m), code))
    # a request of the largest size (65536) whose answer is larger than it: our Origin-Host, VSAI and
    # Equipment-Status take more room than the request's short Origin-Host and Origin-Realm
    small = [SID, ASS, avp(264, b"m"), avp(296, b"o"), DR, ti(sv=None)]
    fill = 65536 - len(msg(R | P, 324, S13, small)) - 15 * 4000
    # Proxy-Info of 4000 bytes: its header 8, Proxy-Host "p" 12, Proxy-State header 8
    big = [avp(284, avp(280, b"p") + avp(33, b"x" * (4000 - 28))) for i in range(15)] + \
        [avp(284, avp(280, b"p") + avp(33, b"y" * (fill - 28)))]
    m = msg(R | P, 324, S13, small + big)
    h, avps = ask(c, m)
    ok(len(m) == 65536 and h is not None and result_code(avps) == 2001 and h["len"] > 65536 and
       [a["raw"] for a in find(avps, 284)] == big,
       "ECR of 65536 bytes: its ECA of %s bytes is sent, all 16 Proxy-Info echoed" % (h["len"] if h else "no"))
    ok(avps[0]["code"] == 263 and avps[0]["data"] == b"mme.example.org;1;1", "Session-Id first and echoed")
    ok(not find(avps, 293) and not find(avps, 283), "no Destination-Host/Realm in the answer")
    h, avps = ask(c, ecr(flags=R))
    ok(h["flags"] == 0, "P bit copied: request without P, answer flags 0x00")
    h, avps = ask(c, ecr(extra=[u32(301, 3, M)]))
    ok(result_code(avps) == 2001, "DRMP (301) with M set is known and ignored")
    h, avps = ask(c, ecr(extra=[avp(628, u32(629, 1, 0, VENDOR) + u32(630, 1, 0, VENDOR), M, VENDOR)]))
    ok(result_code(avps) == 2001, "Supported-Features with M set is known and ignored")
    h, avps = ask(c, ecr(extra=[avp(99999, b"x", 0)]))
    ok(result_code(avps) == 2001, "unknown AVP without M is ignored")
    h, avps = ask(c, ecr(avps=[SID, ASS, OH, OR, DR, avp(1401, avp(1402, b"35693803564380", 0, VENDOR),
                                                             M, VENDOR)]))
    ok(result_code(avps) == 2001, "IMEI without M bit accepted (one dictionary has it so)")

    # errors (RFC 6733 §7): 5xxx in the ECA grammar with E clear, 3xxx with E set
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, DR]))
    ok(result_code(avps) == 5005 and h["flags"] == P, "missing Terminal-Information: 5005, E clear")
    ok(find(avps, 279) and find(avps, 279)[0]["raw"] == C4_FAILED,
       "  Failed-AVP holds an empty Terminal-Information with V|M and vendor 10415 (as C4)")
    ok(find(avps, 277) and find(avps, 263), "  with Auth-Session-State and Session-Id")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, DR, avp(1401, avp(1403, b"05", M, VENDOR), M, VENDOR)]))
    fi = failed_inner(avps)
    ok(result_code(avps) == 5005 and fi and fi[0]["code"] == 1401 and parse_avps(fi[0]["data"])[0]["code"] == 1402,
       "Terminal-Information without IMEI: 5005, Failed-AVP {Terminal-Information {IMEI}}")
    for name, av in [("Session-Id", SID), ("Origin-Host", OH), ("Origin-Realm", OR), ("Destination-Realm", DR),
                     ("Auth-Session-State", ASS)]:
        h, avps = ask(c, ecr(avps=[a for a in [SID, VSAI, ASS, OH, OR, DR, ti()] if a != av]))
        fi = failed_inner(avps)
        ok(result_code(avps) == 5005 and fi and fi[0]["raw"][:4] == av[:4], "missing %s: 5005 naming it" % name)
    bad = avp(99999, b"surprise", M)
    h, avps = ask(c, ecr(extra=[bad]))
    ok(result_code(avps) == 5001 and failed_inner(avps) and failed_inner(avps)[0]["raw"] == bad,
       "unknown AVP with M: 5001, Failed-AVP holds the whole AVP")
    badti = avp(1401, avp(1402, b"35693803564380", M, VENDOR) + avp(4242, b"zz", M, VENDOR), M, VENDOR)
    h, avps = ask(c, ecr(avps=[SID, ASS, OH, OR, DR, badti]))
    ok(result_code(avps) == 5001, "unknown M AVP inside Terminal-Information: 5001")
    for imei, why in [(b"3569380356438A", "non-digit"), (b"3569380356438", "13 digits"),
                      (b"35693803564380123", "17 digits"), (b"", "empty")]:
        h, avps = ask(c, ecr(imei=imei))
        fi = failed_inner(avps)
        inner = parse_avps(fi[0]["data"]) if fi and fi[0]["code"] == 1401 else []
        ok(result_code(avps) == 5004 and inner and inner[0]["data"] == imei,
           "IMEI %s (%s): 5004, Failed-AVP {Terminal-Information {IMEI}} with the value" % (imei.decode() or '""', why))
    # a Software-Version or User-Name that is not valid is ignored: the IMEI still gets its verdict (a
    # blacklisted handset must not escape because its MME sends "5"), and a bad IMSI gets no pair exception
    for sv in [b"5", b"005", b"5a", b""]:
        h, avps = ask(c, ecr(avps=[SID, ASS, OH, OR, DR, avp(1401, avp(1402, b"35693803564380", M, VENDOR) +
                                                             avp(1403, sv, M, VENDOR), M, VENDOR)]))
        es = find(avps, 1445, VENDOR)
        ok(result_code(avps) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == 1 and
           not find(avps, 279), "Software-Version %r (not 2 digits): ignored, 2001 BLACKLISTED" % sv.decode())
    for imsi in [b"00101x", b"0010", b"0010100000000011", b"001010000000001\n"]:
        h, avps = ask(c, ecr(imei=b"35693803564380", imsi=imsi))
        es = find(avps, 1445, VENDOR)
        ok(result_code(avps) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == 1 and
           not find(avps, 279), "User-Name %r (not 5-15 digits): ignored, no pair exception: 2001 BLACKLISTED" % imsi)
    h, avps = ask(c, ecr(imei=b"35693803564380", imsi=b"00101"))
    ok(result_code(avps) == 2001, "User-Name of 5 digits is an IMSI: 2001")
    h, avps = ask(c, ecr(avps=[SID, ASS, OH, OR, DR, ti(), ti(b"35000001000001")]))
    ok(result_code(avps) == 5009 and failed_inner(avps)[0]["code"] == 1401, "two Terminal-Information: 5009")
    h, avps = ask(c, ecr(avps=[SID, avp(277, b"\0\0\0\1\0", M), OH, OR, DR, ti()]))
    fi = failed_inner(avps)
    ok(result_code(avps) == 5014 and fi and fi[0]["code"] == 277 and len(fi[0]["data"]) == 4
       and fi[0]["data"] == b"\0" * 4, "Auth-Session-State of 5 bytes: 5014, Failed-AVP with a zero payload")
    body = SID + ASS + OH + OR + DR + ti()
    broken = body + struct.pack(">I", 1) + bytes([M]) + (200).to_bytes(3, "big") + b"\0" * 4
    h, avps = ask(c, msg(R | P, 324, S13, [broken]))
    ok(result_code(avps) == 5014, "AVP length beyond the message: 5014")
    h, avps = ask(c, msg(R | P, 316, 16777251, [SID, OH, OR, DR]))
    ok(result_code(avps) == 3007 and h["flags"] == P | E and h["cmd"] == 316 and not find(avps, 277),
       "S6a ULR (app 16777251): 3007, flags 0x60, answer-message grammar")
    h, avps = ask(c, msg(R | P, 999, S13, [SID, OH, OR, DR]))
    ok(result_code(avps) == 3001 and h["flags"] == P | E, "unknown command in S13: 3001 with E")
    h, avps = ask(c, msg(R, 999, 0, [OH, OR]))
    ok(result_code(avps) == 3001 and h["flags"] == E, "unknown base command: 3001 with E")
    h, avps = ask(c, ecr(flags=R | P | E))
    ok(result_code(avps) == 3008 and h["flags"] & E, "E bit in a request: 3008")
    h, avps = ask(c, ecr(extra=[avp(293, b"other-eir.example.org")]))
    ok(result_code(avps) == 3002 and h["flags"] & E, "Destination-Host not us: 3002")
    h, avps = ask(c, ecr(extra=[avp(293, b"EIR.example.org")]))
    ok(result_code(avps) == 2001, "Destination-Host us (any case): answered")
    ok(find(avps, 264)[0]["data"] == b"eir.example.org", "Origin-Host of the answers is ours")

    # Destination-Realm (RFC 6733 6.1.4): without Destination-Host it must be a realm we serve
    other = avp(283, b"other.example.net")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, other, ti()]))
    ok(h["cmd"] == 324 and h["flags"] == P | E and result_code(avps) == 3003 and h["hbh"] == 0x11223344 and
       find(avps, 263) and find(avps, 263)[0]["data"] == b"mme.example.org;1;1" and not find(avps, 277) and
       not find(avps, 1445, VENDOR)
       and find(avps, 264) and find(avps, 296), "foreign Destination-Realm: 3003 with E, answer-message grammar")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, avp(283, b"EXAMPLE.org"), ti()]))
    ok(result_code(avps) == 2001, "Destination-Realm ours in another case: answered")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, avp(283, b"example.org.evil"), ti()]))
    ok(result_code(avps) == 3003, "Destination-Realm with our realm as a prefix: 3003")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, avp(283, b"served.example.com"), ti()]))
    ok(result_code(avps) == 2001, "Destination-Realm a served-realm: answered")
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, avp(293, b"eir.example.org"), other, ti()]))
    ok(result_code(avps) == 2001, "Destination-Host us with a foreign Destination-Realm: answered (the host decides)")

    # a CER on an open connection: a CEA 5012 with the CEA's AVPs, and the connection stays
    h, avps = ask(c, cer())
    ok(h["cmd"] == 257 and h["flags"] == 0 and result_code(avps) == 5012 and
       all(find(avps, code) for code in (264, 296, 257, 266, 269, 278, 260)),
       "CER on an open connection: CEA 5012 with Origin-Host/Realm, Host-IP-Address, Vendor-Id, Product-Name, "
       "Origin-State-Id, VSAI")
    h, avps = ask(c, ecr())
    ok(result_code(avps) == 2001, "  and the connection still answers")

    # many requests in one write: every one answered, in order
    c.send(b"".join(ecr(hbh=1000 + i) for i in range(200)))
    hbhs = []
    for i in range(200):
        r = c.recv()
        if r is None:
            break
        hbhs.append(parse(r)[0]["hbh"])
    ok(hbhs == [1000 + i for i in range(200)], "200 pipelined ECRs in one write: 200 answers in order")

    # watchdog and disconnection requested by the peer
    h, avps = ask(c, msg(R, 280, 0, [OH, OR], hbh=77, e2e=78))
    ok(h["cmd"] == 280 and h["flags"] == 0 and result_code(avps) == 2001 and h["hbh"] == 77 and find(avps, 278),
       "DWR: DWA 2001 with Origin-State-Id")
    h, avps = ask(c, msg(R, 282, 0, [OH, OR, u32(273, 0)], hbh=79))
    ok(h["cmd"] == 282 and result_code(avps) == 2001, "DPR: DPA 2001")
    c.close()

    # broken framing closes that connection only; a request with a whole header is answered first (RFC 6733
    # 7.1.5): 5011 for a version other than 1, 5015 for a length not a multiple of 4
    other = open_conn(port, "mme2.example.org")
    v2 = msg(R | P, 324, S13, [SID, OH], version=2, hbh=0xabcd, e2e=0xef01)
    odd = bytes([1]) + (37).to_bytes(3, "big") + bytes([R]) + (280).to_bytes(3, "big") + \
        struct.pack(">III", 0, 0x1234, 0x5678) + b"\0" * 17
    for name, parts, code, flags, cmd, app, hbh in [
            ("version 2", [v2], 5011, P, 324, S13, 0xabcd),
            ("version 2, header in two writes", [v2[:7], v2[7:]], 5011, P, 324, S13, 0xabcd),
            ("version 0 DWR", [b"\0" + odd[1:4] + odd[4:20]], 5011, 0, 280, 0, 0x1234),
            ("length 37 (not a multiple of 4)", [odd], 5015, 0, 280, 0, 0x1234)]:
        c = open_conn(port)
        c.send_parts(parts)
        r = c.recv()
        h, avps = parse(r) if r else (None, [])
        ok(h is not None and h["version"] == 1 and h["flags"] == flags and h["cmd"] == cmd and h["app"] == app and
           h["hbh"] == hbh and result_code(avps) == code and find(avps, 264) and find(avps, 296),
           "%s: answered %d (E clear, P copied, cmd/app/hbh copied, Origin-Host/Realm)" % (name, code))
        ok(c.closed(), "  then closed")
        c.close()
    for name, data in [("an answer (R clear) with version 2", msg(P, 324, S13, [SID], version=2)),
                       ("an answer (R clear) of length 21", b"\1\0\0\x15" + b"\0" * 17),
                       ("length beyond the limit", b"\1\xff\xff\xfc" + bytes([R]) + b"\0" * 15),
                       ("version 2, length beyond the limit", b"\2\xff\xff\xfc" + bytes([R]) + b"\0" * 15),
                       ("length shorter than a header", b"\1\0\0\x08" + bytes([R]) + b"\0" * 3)]:
        c = open_conn(port)
        c.send(data)
        ok(c.closed(), "%s: connection closed without an answer" % name)
        c.close()
    # what the requests before the broken header earned is still sent (found by the fuzz target diam_base: a
    # refused CER's CEA was dropped when garbage followed it in the same write)
    c = open_conn(port)
    c.send(ecr(imei=b"35693803564380", hbh=0x4242) + b"\2\0\0\x14" + b"\0" * 16)
    got = c.drain()
    es = find(got[0][1], 1445, VENDOR) if got else []
    ok(len(got) == 1 and got[0][0]["hbh"] == 0x4242 and result_code(got[0][1]) == 2001 and es and c.eof,
       "an ECR and an answer of version 2 in one write: the ECA (BLACKLISTED), then closed (got %d)" % len(got))
    c.close()
    c = Conn(port)
    c.send(cer("mme.example.org", apps=(16777251,)) + b"\1\0\0\x15" + b"\0" * 17)
    got = c.drain()
    ok(len(got) == 1 and got[0][0]["cmd"] == 257 and result_code(got[0][1]) == 5010 and c.eof,
       "a refused CER and an answer of length 21 in one write: the CEA 5010, then closed (got %d)" % len(got))
    c.close()
    h, avps = ask(other, ecr(imei=b"35693803564380"))
    ok(result_code(avps) == 2001, "another peer's connection is unaffected")
    other.close()

    c = Conn(port)
    c.send(ecr())
    ok(c.closed(), "first message not a CER: closed")
    c.close()
    c = Conn(port)
    c.send(cer(apps=(16777251,)))
    h, avps = parse(c.recv())
    ok(result_code(avps) == 5010 and c.closed(), "CER without S13: CEA 5010, then closed")
    c.close()
    c = Conn(port)
    c.send(cer(apps=(0xffffffff,), vsai=False))
    h, avps = parse(c.recv())
    ok(result_code(avps) == 2001, "CER with the relay application: accepted")
    c.close()
    c = Conn(port)
    c.send(msg(R, 257, 0, [OR, u32(258, S13)]))
    h, avps = parse(c.recv())
    fi = failed_inner(avps)
    ok(result_code(avps) == 5005 and fi and fi[0]["code"] == 264 and c.closed(),
       "CER without Origin-Host: 5005 naming it, closed")
    c.close()

    # one connection per peer: the same peer (same Origin-State-Id) may not open a second one
    a = open_conn(port, "dup.example.org", osi=7)
    b = Conn(port)
    b.send(cer("dup.example.org", osi=7))
    h, avps = parse(b.recv())
    ok(result_code(avps) == 5012 and b.closed(), "second connection of an open peer: refused")
    h, avps = ask(a, ecr())
    ok(result_code(avps) == 2001, "the first one keeps working")
    b.close()
    b = Conn(port)
    b.send(cer("dup.example.org", osi=8))
    h, avps = parse(b.recv())
    ok(result_code(avps) == 2001, "the peer restarted (new Origin-State-Id): the new connection replaces the old")
    ok(a.closed(), "and the old one is closed")
    a.close()
    b.close()
    return 0


def part_acl(port):
    """Server with 'peer mme.example.org' only and default-verdict unknown."""
    c = Conn(port)
    c.send(cer("intruder.example.org"))
    h, avps = parse(c.recv())
    ok(result_code(avps) == 3010 and h["flags"] & E, "CER of an unknown peer: 3010 with E")
    ok(c.closed(), "  then closed")
    c.close()
    c = open_conn(port)
    c.send(C1)
    r = c.recv()
    ok(r == C3, "C1 with default-verdict unknown: exactly C3 (Experimental-Result 5422, no Equipment-Status)")
    if r != C3:
        print("#   got      " + (r.hex() if r else "nothing"))
        print("#   expected " + C3.hex())
    h, avps = ask(c, ecr(imei=b"35693803564380"))
    ok(result_code(avps) == 2001, "a listed IMEI still gets its status")
    c.close()
    return 0


BLACK_ECR = ecr(imei=b"35693803564380", hbh=0x5151)


def part_refused(port):
    """Server with the ACL of part_acl: a connection whose CER was refused gets its CEA and nothing else, whatever
    follows the CER (RFC 6733 5.3: the peer is not open); the refused requests are dropped unanswered."""
    e_bit = bytearray(cer("mme.example.org"))
    e_bit[4] |= E
    holder = open_conn(port, "mme.example.org", osi=7)
    refusals = [
        ("unknown peer", 3010, cer("intruder.example.org")),
        ("allowed host from another realm", 3010, cer("mme.example.org", realm="other.example.net")),
        ("allowed host from another address", 3010, cer("mme3.example.org")),
        ("no common application", 5010, cer("mme.example.org", apps=(16777251,))),
        ("a second connection of an open peer", 5012, cer("mme.example.org", osi=7)),
        ("no Origin-Host", 5005, msg(R, 257, 0, [OR, avp(257, b"\0\1\x7f\0\0\1"), u32(258, S13)], hbh=1, e2e=1)),
        ("Origin-State-Id of 5 bytes", 5014, msg(R, 257, 0, [avp(264, b"mme.example.org"), OR, avp(278, b"\0\0\0\1\0"),
                                                            u32(258, S13)], hbh=1, e2e=1)),
        ("E bit in the CER", 3008, bytes(e_bit)),
    ]
    good = cer("mme4.example.org")
    for name, code, bad in refusals:
        for how, writes in [("CER + ECR in one write", [bad + BLACK_ECR]),
                            ("CER + a good CER + ECR in one write", [bad + good + BLACK_ECR]),
                            ("ECR in a later write, CEA not read", [bad, BLACK_ECR])]:
            c = Conn(port)
            c.send_parts(writes)
            got = c.drain()
            h, avps = got[0] if got else ({}, [])
            ok(len(got) == 1 and h["cmd"] == 257 and not h["flags"] & R and result_code(avps) == code and
               bool(h["flags"] & E) == (code < 4000) and c.eof,
               "%s (%s): only the CEA %d, then closed (got %s)" %
               (name, how, code, [(x[0]["cmd"], result_code(x[1])) for x in got]))
            c.close()
    h, avps = ask(holder, BLACK_ECR)
    ok(result_code(avps) == 2001, "the open peer is still served")
    holder.close()

    # a connection that was open keeps answering while it closes: DPR and an ECR in one write
    c = open_conn(port, "mme4.example.org")
    c.send(msg(R, 282, 0, [OH, OR, u32(273, 0)], hbh=0x90) + BLACK_ECR)
    got = [c.recv(), c.recv()]
    got = [parse(r) for r in got if r]
    es = find(got[1][1], 1445, VENDOR) if len(got) == 2 else []
    ok(len(got) == 2 and got[0][0]["cmd"] == 282 and result_code(got[0][1]) == 2001 and got[1][0]["cmd"] == 324 and
       result_code(got[1][1]) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == 1,
       "DPR + ECR in one write on an open connection: DPA 2001, then the ECA with Equipment-Status 1")
    c.close()
    return 0


def part_wire_errors(port):
    """For tests/s13/tshark-errors.sh (server with 'peer mme.example.org'): one of each new error answer, for
    the dissector to judge."""
    c = open_conn(port)
    h, avps = ask(c, ecr(avps=[SID, VSAI, ASS, OH, OR, avp(283, b"other.example.net"), ti()]))
    ok(result_code(avps) == 3003, "foreign Destination-Realm: 3003")
    h, avps = ask(c, cer())
    ok(result_code(avps) == 5012, "CER on an open connection: CEA 5012")
    h, avps = ask(c, ecr(avps=[SID, ASS, OH, OR, DR, ti(b"35693803564380", sv=b"5")]))
    ok(result_code(avps) == 2001, "Software-Version \"5\": 2001")
    h, avps = ask(c, msg(R, 282, 0, [OH, OR, u32(273, 0)], hbh=79))
    ok(result_code(avps) == 2001, "DPR: DPA")
    c.close()
    c = Conn(port)
    h, avps = ask(c, cer("intruder.example.org"))
    ok(result_code(avps) == 3010 and c.closed(), "unknown peer: CEA 3010, closed")
    c.close()
    for code, data in [(5011, msg(R | P, 324, S13, [SID, OH], version=2)),
                       (5015, bytes([1]) + (37).to_bytes(3, "big") + bytes([R]) + (280).to_bytes(3, "big") +
                        struct.pack(">III", 0, 0x1234, 0x5678) + b"\0" * 17)]:
        c = open_conn(port)
        h, avps = ask(c, data)
        ok(result_code(avps) == code and c.closed(), "bad header: %d, closed" % code)
        c.close()
    return 0


def conn_sizes(pid, log):
    """The bytes each Diameter connection holds, from the talloc report osmo-eir writes to its log on SIGUSR1."""
    def reports():
        return open(log, errors="replace").read().count("talloc report on 'osmo-eir'")
    before = reports()
    os.kill(int(pid), signal.SIGUSR1)
    deadline = time.time() + 5
    while time.time() < deadline and reports() == before:
        time.sleep(0.1)
    time.sleep(0.3)     # the rest of the report
    report = open(log, errors="replace").read().split("talloc report on 'osmo-eir'")[-1]
    return [int(m) for m in re.findall(r"diam_conn\s+contains\s+(\d+) bytes", report)]


def part_rx_buffer(port, pid, log):
    """20 connections that sent part of a CER hold a small receive buffer each (talloc report on SIGUSR1), not
    one for the largest message; it grows when a peer sends more: a 65536-byte ECR is still answered."""
    silent = [Conn(port) for i in range(20)]
    conns = [Conn(port) for i in range(20)]
    cers = [cer("mme-rx%02d.example.org" % i) for i in range(20)]
    for c, m in zip(conns, cers):
        c.send(m[:10])
    sync = open_conn(port, "mme-sync.example.org")    # answered after every partial CER was read
    sync.close()
    # connections of the parts before (and the sync one) may still be closing: wait for them to be gone
    deadline = time.time() + 5
    sizes = sorted(conn_sizes(pid, log))
    while len(sizes) > 40 and time.time() < deadline:
        time.sleep(0.2)
        sizes = sorted(conn_sizes(pid, log))
    ok(len(sizes) >= 40 and max(sizes) < 16384,
       "20 connections with part of a CER, 20 silent: %d in the talloc report, the largest %s bytes (< 16 KiB)" %
       (len(sizes), max(sizes) if sizes else "-"))
    ok(len(sizes) >= 40 and sizes[19] < 2048,
       "  the 20 silent ones have no receive buffer: the largest of them %s bytes (< 2 KiB)" %
       (sizes[19] if len(sizes) >= 20 else "-"))
    for c in silent:
        c.close()
    for c, m in zip(conns, cers):
        c.send(m[10:])
    res = [parse(c.recv()) for c in conns]
    ok(all(result_code(a) == 2001 for h, a in res), "the rest of the 20 CERs: all 2001")
    m = ecr(extra=[avp(99998, b"z" * (65536 - len(ecr()) - 8), 0)])
    conns[0].send(m[:30000])
    ok(conns[0].recv(timeout=0.5) is None, "  first half of a 65536-byte ECR: no answer yet")
    conns[0].send(m[30000:])
    h, avps = parse(conns[0].recv())
    ok(len(m) == 65536 and result_code(avps) == 2001, "  the rest: answered 2001 (the buffer grew)")
    # a peer that pipelines small requests: its buffer grows too (else every read is 4 KiB)
    conns[1].send(b"".join(ecr(hbh=i) for i in range(2000)))
    got = [conns[1].recv() for i in range(2000)]
    ok(all(got), "2000 pipelined ECRs in one write: all answered")
    sizes = sorted(conn_sizes(pid, log))
    # each holds a send chunk of 69632 bytes; a receive buffer still of 4 KiB would leave it under 69632 + 32768
    ok(len(sizes) >= 2 and sizes[-2] > 69632 + 32768,
       "  its receive buffer grew as well: the two largest connections hold %s bytes" % sizes[-2:])
    for c in conns:
        c.close()
    return 0


def part_conn_limit(port, vty_port):
    """Server with max-connections 4: connections without CER make room for new ones, the oldest first; when all
    4 are open peers, a new connection is closed at once and the peers keep being served."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import vty
    v = vty.Vty(int(vty_port))

    def wait_conns(n):
        deadline = time.time() + 5
        while time.time() < deadline:
            m = re.search(r"Diameter connections, any state: *(\d+)", v.cmd("show stats"))
            if m and int(m.group(1)) == n:
                return True
            time.sleep(0.1)
        return False
    idle = [Conn(port) for i in range(4)]
    ok(wait_conns(4), "4 connections without CER")
    c5 = open_conn(port, "mme5.example.org")
    ok(idle[0].closed(), "a 5th connection: the oldest without CER is closed to make room")
    ok(not idle[1].closed(timeout=0.3), "  the next oldest is kept")
    h, avps = ask(c5, ecr())
    ok(result_code(avps) == 2001, "  the 5th peer is served")
    for c in idle + [c5]:
        c.close()
    ok(wait_conns(0), "all closed")
    peers = [open_conn(port, "mme-p%d.example.org" % i) for i in range(4)]
    extra = Conn(port)
    ok(extra.closed(), "4 open peers: a 5th connection is closed at once, with nothing sent")
    extra.close()
    ok(all(result_code(ask(p, ecr())[1]) == 2001 for p in peers), "  the 4 peers are still served")
    for p in peers:
        p.close()
    return 0


def part_slow_reader(port):
    """Server with max-send-queue 65536: a peer that never reads is closed; others are served."""
    c = open_conn(port)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    one = ecr(extra=[avp(284, avp(280, b"p" * 200) + avp(33, b"s" * 800))])
    sent, closed = 0, False
    deadline = time.time() + 20
    c.s.settimeout(0.2)
    while time.time() < deadline and sent < 200000:
        try:
            c.s.sendall(one * 50)
            sent += 50
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        except socket.timeout:
            # our sending blocks: the server stopped reading us; was it because it closed?
            pass
    if not closed:
        try:
            c.s.settimeout(5)
            while c.s.recv(1 << 20):
                pass
            closed = True
        except (ConnectionResetError, socket.timeout):
            closed = True
    ok(closed, "a peer that does not read its answers is disconnected (after %d requests)" % sent)
    c.close()
    d = open_conn(port, "mme2.example.org")
    h, avps = ask(d, ecr())
    ok(result_code(avps) == 2001, "other peers are still served")
    d.close()
    return 0


def part_fast_sender(port):
    """Server with max-send-queue 65536: 20000 pipelined ECRs sent at once, answers read slowly at first."""
    import threading
    c = open_conn(port)
    n = 20000
    data = b"".join(ecr(hbh=i) for i in range(n))
    err = []

    def sender():
        try:
            c.s.sendall(data)
        except OSError as e:
            err.append(e)
    c.s.settimeout(30)
    th = threading.Thread(target=sender)
    th.start()
    time.sleep(1)    # not reading for a while: the server must wait for us, not give up on us
    got = 0
    while got < n:
        r = c.recv(timeout=10)
        if r is None:
            break
        got += 1
    th.join(30)
    ok(not err and got == n, "20000 pipelined ECRs, answers read late: all %d answered, none dropped" % got)
    c.close()
    return 0


def part_watchdog(port, tw):
    """Server with watchdog-timer TW: an idle peer gets a DWR after about TW seconds."""
    c = open_conn(port)
    t0 = time.time()
    r = c.recv(timeout=tw + 5)
    h, avps = parse(r) if r else (None, None)
    ok(h is not None and h["cmd"] == 280 and h["flags"] & R, "idle peer: DWR after %.1f s (Tw %d)" % (time.time() - t0, tw))
    if h:
        c.send(msg(0, 280, 0, [u32(268, 2001), OH, OR], hbh=h["hbh"], e2e=h["e2e"]))
    c.close()
    return 0


def part_watchdog_alive(port, tw):
    """Server with watchdog-timer TW: a peer that answers every DWR stays open for 5 Tw and more (a DWA that is
    ignored would make it SUSPECT and close it after about 4 Tw)."""
    c = open_conn(port, "mme-alive.example.org")
    t0 = time.time()
    dwr = 0
    while time.time() - t0 < 5 * tw + 2 and not c.eof:
        r = c.recv(timeout=max(0.1, 5 * tw + 2 - (time.time() - t0)))
        if r is None:
            continue
        h, avps = parse(r)
        if h["cmd"] == 280 and h["flags"] & R:
            dwr += 1
            c.send(msg(0, 280, 0, [u32(268, 2001), OH, OR], hbh=h["hbh"], e2e=h["e2e"]))
    h, avps = (None, None) if c.eof else ask(c, BLACK_ECR)
    ok(not c.eof and dwr >= 4 and h is not None and result_code(avps) == 2001,
       "a peer that answers every DWR (%d answered) is open after %.0f s (5 Tw + 2) and answered" %
       (dwr, time.time() - t0))
    c.close()
    return 0


def part_watchdog_close(port, tw):
    """Server with watchdog-timer TW: a peer that answers no DWR is SUSPECT after 2 Tw and closed 2 Tw later."""
    c = open_conn(port)
    t0 = time.time()
    dwr = 0
    closed = False
    while time.time() - t0 < 6 * tw:
        r = c.recv(timeout=6 * tw - (time.time() - t0))
        if r is None:
            closed = True
            break
        if parse(r)[0]["cmd"] == 280:
            dwr += 1
    dt = time.time() - t0
    ok(closed and dwr >= 1 and 3 * tw <= dt <= 5 * tw + 2,
       "a peer that answers no DWR (%d seen) is closed after %.1f s (Tw %d: expected about 4 Tw)" % (dwr, dt, tw))
    c.close()
    return 0


def part_shutdown(port):
    """Open a peer and wait for the server's DPR (the test sends SIGTERM); answer with DPA."""
    c = open_conn(port)
    print("ready", flush=True)
    r = c.recv(timeout=15)
    h, avps = parse(r) if r else (None, None)
    ok(h is not None and h["cmd"] == 282 and h["flags"] & R and find(avps, 273),
       "on SIGTERM the server sends DPR with Disconnect-Cause")
    if h:
        h2, avps = ask(c, BLACK_ECR)
        es = find(avps, 1445, VENDOR) if avps else []
        ok(h2 is not None and result_code(avps) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == 1,
           "an ECR sent after the DPR, before our DPA: still answered with its verdict")
        c.send(msg(0, 282, 0, [u32(268, 2001), OH, OR], hbh=h["hbh"], e2e=h["e2e"]))
        ok(c.closed(), "and closes after our DPA")
    c.close()
    return 0


def part_store_fail(port, imei):
    c = open_conn(port)
    h, avps = ask(c, ecr(imei=imei.encode()))
    ok(result_code(avps) == 5012 and not find(avps, 1445, VENDOR) and not h["flags"] & E,
       "the store cannot give %s: 5012 DIAMETER_UNABLE_TO_COMPLY, no Equipment-Status" % imei)
    h, avps = ask(c, ecr(imei=b"35693803564380"))
    ok(result_code(avps) == 2001, "other IMEIs are still answered")
    c.close()
    return 0


def part_store_fallback(port, imei):
    c = open_conn(port)
    h, avps = ask(c, ecr(imei=imei.encode()))
    es = find(avps, 1445, VENDOR)
    ok(result_code(avps) == 2001 and es and struct.unpack(">I", es[0]["data"])[0] == 2,
       "store-unavailable greylisted: the configured fallback verdict (GREYLISTED)")
    c.close()
    return 0

class TlsConn(Conn):
    """A Conn over TLS (RFC 6733 §13.1: from the first byte), with a client certificate (or none); the server's
    certificate checked against ca for eir.example.org."""
    def __init__(self, port, ca, cert=None, key=None):
        import ssl
        ctx = ssl.create_default_context(cafile=ca)
        if cert:
            ctx.load_cert_chain(cert, key)
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.s = ctx.wrap_socket(raw, server_hostname="eir.example.org")
        self.buf = b""
        self.eof = False


def part_tls_host(port, ca, cert, key, host):
    """a certificate that does not name the CER's Origin-Host: CEA 3010, E bit, closed"""
    c = TlsConn(int(port), ca, cert, key)
    h, avps = ask(c, cer(host))
    em = find(avps, 281)
    ok(h is not None and h["cmd"] == 257 and result_code(avps) == 3010 and h["flags"] & E,
       "Origin-Host %s not in the certificate: CEA 3010 DIAMETER_UNKNOWN_PEER, E bit" % host)
    ok(bool(em) and em[0]["data"] == b"Origin-Host not in the TLS certificate",
       "Error-Message: Origin-Host not in the TLS certificate")
    try:
        rest = c.drain(5)
    except OSError:
        rest = []
    ok(c.eof and not rest, "then closed, nothing more")
    return 0


def part_tls_pipeline(port, ca, cert, key, host, n):
    """the right certificate: CEA 2001, then n ECRs in one write all answered (records TLS holds decrypted)"""
    c = TlsConn(int(port), ca, cert, key)
    h, avps = ask(c, cer(host))
    ok(result_code(avps) == 2001, "certificate names Origin-Host %s: CEA 2001" % host)
    n = int(n)
    c.send(b"".join(ecr(imei=b"35693803564380", hbh=i + 1) for i in range(n)))
    got = [c.recv() for i in range(n)]
    good = [m for m in got if m is not None and result_code(parse(m)[1]) == 2001]
    ok(len(good) == n and sorted(parse(m)[0]["hbh"] for m in good) == list(range(1, n + 1)),
       "%d ECRs in one TLS write: %d answered 2001, each hop-by-hop once" % (n, len(good)))
    c.close()
    return 0

def part_tls_plain(port, plain_port):
    """a plain TCP peer on the TLS port: its CER is no TLS record, the handshake fails, it is closed unanswered
    (at most a TLS alert comes back, never a Diameter message); the plain port still answers"""
    c = Conn(int(port))
    c.try_send(cer("plain.example.org"))
    got = b""
    c.s.settimeout(5)
    try:
        while True:
            d = c.s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    ok(not got.startswith(b"\x01"), "plain CER on the TLS port: no Diameter answer (%d bytes back: %s)" %
       (len(got), "a TLS alert" if got[:1] == b"\x15" else "nothing" if not got else got[:8].hex()))
    c.close()
    c = open_conn(int(plain_port))
    h, avps = ask(c, ecr(imei=b"35693803564380"))
    ok(result_code(avps) == 2001, "the plain listener still answers an ECR")
    c.close()
    return 0


if __name__ == "__main__":
    part, port = sys.argv[1], int(sys.argv[2])
    fn = globals()["part_" + part]
    try:
        fn(port, *[int(a) if a.isdigit() and part.startswith("watchdog") else a for a in sys.argv[3:]])
    except Exception as e:  # a crash of the client is a failure, with its reason
        ok(False, "client error: %r" % e)
    sys.exit(1 if fails else 0)
