#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile clients for tests/slow/hostile.sh, one attack per call, each bounded in count and time.

usage: hostile.py ATTACK PORT [N]
  diam-conns N     N TCP connections to S13 that send nothing; holds them until stdin closes
  diam-drip N      a CER dripped one byte every 0.1 s for N bytes on 4 connections
  h2-streams N     HTTP/2: preface, then N HEADERS frames on new streams without reading (a stream flood)
  h2-reset N       HTTP/2: N times HEADERS then RST_STREAM on the same new stream (rapid reset)
  h2-cont N        HTTP/2: one HEADERS without END_HEADERS, then N CONTINUATION frames of 1 KiB, never ending
  vty-line N       the VTY: N KiB of one line without a newline
  vty-iac N        the VTY: N KiB of telnet IAC negotiations (IAC WILL/DO/SB ... without SE)
  ctrl-garbage N   CTRL: a bogus IPA header (length 65535), then N text lines
Prints "sent N" (what it got out before the server stopped it or it finished) and "closed" when the server
closed the connection; exits 0 unless it could not connect."""
import socket
import struct
import sys
import time


def frame(ftype, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, sid) + payload


def send_all(s, data, deadline, keep=None):
    """send what the server takes until deadline, reading (and dropping, or adding to keep) what it sends;
    returns (bytes sent, server closed)"""
    s.setblocking(False)
    sent = 0
    while sent < len(data) and time.time() < deadline:
        try:
            d = s.recv(65536)
            if not d:
                return sent, True
            if keep is not None and len(keep) < 1 << 20:
                keep += d.replace(b"x", b"")
        except BlockingIOError:
            pass
        except (ConnectionResetError, OSError):
            return sent, True
        try:
            n = s.send(data[sent:sent + 65536])
            sent += n
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            return sent, True
    return sent, closed(s, keep=keep)


def closed(s, wait=0.5, keep=None):
    s.setblocking(False)
    end = time.time() + wait
    while time.time() < end:
        try:
            d = s.recv(65536)
            if not d:
                return True
            if keep is not None and len(keep) < 1 << 20:
                keep += d.replace(b"x", b"")
        except BlockingIOError:
            time.sleep(0.02)
        except (ConnectionResetError, OSError):
            return True
    return False


def h2_hdrs(path):
    # literal header fields without indexing, no Huffman (RFC 7541 6.2.2): needs no HPACK library
    def lit(n, v):
        return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v
    return (b"\x82"  # :method GET
            + b"\x86"  # :scheme http
            + lit(b":authority", b"127.0.0.1") + lit(b":path", path.encode()))


def main():
    attack, port = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    deadline = time.time() + 60
    if attack == "diam-conns":
        # non-blocking connects, all at once, until each is established or refused or 30 s pass
        import selectors
        sel = selectors.DefaultSelector()
        socks, up, failed = [], [], 0
        for _ in range(n):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
            sel.register(s, selectors.EVENT_WRITE)
        end = time.time() + 30
        pending = n
        while pending and time.time() < end:
            for key, _ in sel.select(0.5):
                sel.unregister(key.fileobj)
                pending -= 1
                if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    up.append(key.fileobj)
                else:
                    failed += 1
        print("sent %d connected, %d refused, %d pending" % (len(up), failed, pending), flush=True)
        sys.stdin.read()
        print("closed %d" % sum(1 for s in up if closed(s, 0.001)))
        return 0
    if attack == "diam-drip":
        import importlib.util
        import os
        spec = importlib.util.spec_from_file_location(
            "s13ecr", os.path.join(os.path.dirname(__file__), "..", "..", "contrib", "s13-ecr.py"))
        e = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(e)
        cer = e.msg(0x80, 257, 0, [e.avp(264, b"drip.example.org"), e.avp(296, b"example.org"),
                                   e.avp(257, b"\0\1\x7f\0\0\1"), e.u32(266, 0), e.avp(269, b"drip", 0),
                                   e.avp(260, e.u32(266, e.VENDOR) + e.u32(258, e.S13))], 1)
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        sent = 0
        for i in range(min(n, len(cer))):
            for s in socks:
                try:
                    s.send(cer[i:i + 1])
                except OSError:
                    pass
            sent += 1
            time.sleep(0.1)
        print("sent %d" % sent)
        print("closed %d" % sum(1 for s in socks if closed(s, 0.05)))
        return 0
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"")
    path = "/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809"
    if attack == "h2-streams":
        data = preface + b"".join(frame(1, 5, 2 * i + 1, h2_hdrs(path)) for i in range(n))
    elif attack == "h2-reset":
        data = preface + b"".join(frame(1, 4, 2 * i + 1, h2_hdrs(path)) + frame(3, 0, 2 * i + 1, b"\0\0\0\x08")
                                  for i in range(n))
    elif attack == "h2-cont":
        data = preface + frame(1, 0, 1, h2_hdrs(path)) + b"".join(frame(9, 0, 1, b"\x00\x01x\x01y" * 200)
                                                                  for _ in range(n))
    elif attack == "vty-line":
        data = b"x" * (n * 1024)
    elif attack == "vty-iac":
        data = (b"\xff\xfb\x01\xff\xfd\x03\xff\xfa\x1f" + b"A" * 55) * (n * 16)
    elif attack == "ctrl-garbage":
        data = b"\xff\xff\xee\x00" + b"".join(b"GET %d equipment.summary\n" % i for i in range(n))
    else:
        sys.exit("hostile.py: unknown attack %s" % attack)
    said = bytearray()
    sent, was_closed = send_all(s, data, deadline, keep=said)
    print("sent %d of %d" % (sent, len(data)))
    was_closed = was_closed or closed(s, 2, keep=said)
    for line in (said.decode(errors="replace").splitlines() if attack.startswith("vty") else []):
        if line.startswith("%"):
            print("said %s" % line.strip())
            break
    if was_closed:
        print("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
