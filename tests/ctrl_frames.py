#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# How osmo-eir reads the IPA frames of a CTRL connection (tests/vty/ctrl.sh): many commands in one write, each
# answered, in order, none lost to libosmoctrl's write queue (100 messages); an IPA PING among them answered with a
# PONG; a SET arriving a byte at a time; a frame of the largest size libosmoctrl reads (1200 bytes: it aborted the
# daemon, no room for its parser's NUL) answered; frames that cannot be taken (another protocol, another extension,
# longer than 1200 bytes, an empty one) close their connection and no other. Usage: ctrl_frames.py PORT
# Prints "ok - ..." / "not ok - ..." lines.
import socket
import struct
import sys
import time

port = int(sys.argv[1])
IMEI = "35693803564380"


def frame(text, proto=0xEE, ext=b"\x00"):
    payload = ext + text
    return struct.pack(">HB", len(payload), proto) + payload


def say(good, desc):
    print(("ok - " if good else "not ok - ") + desc)


def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def frames(s, n):
    """the next n frames from s: [(protocol, payload)]; fewer when s closes or times out"""
    buf, out = b"", []
    try:
        while len(out) < n:
            while len(buf) >= 3 and len(buf) >= 3 + struct.unpack(">H", buf[:2])[0]:
                ln, proto = struct.unpack(">HB", buf[:3])
                out.append((proto, buf[3:3 + ln]))
                buf = buf[3 + ln:]
            if len(out) >= n:
                break
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError:
        pass
    return out


def closed(s):
    """True when the server closes s within 5 s (after whatever it still sends)"""
    s.settimeout(5)
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except OSError:
        return False


def get(i):
    return frame(b"GET %d equipment.imei.%s.local" % (i, IMEI.encode()))


def get_reply(i):
    return (0xEE, b"\x00GET_REPLY %d equipment.imei.%s.local black,Reported stolen" % (i, IMEI.encode()))


# 1. 300 GETs and a PING in one write
s = conn()
s.sendall(b"".join(get(i) for i in range(150)) + frame(b"", proto=0xFE, ext=b"\x00") +
          b"".join(get(i) for i in range(150, 300)))
got = frames(s, 301)
pongs = [f for f in got if f == (0xFE, b"\x01")]
rest = [f for f in got if f != (0xFE, b"\x01")]
say(rest == [get_reply(i) for i in range(300)],
    "300 GETs in one write: 300 replies, each right, in order (%d frames came)" % len(got))
say(len(pongs) == 1, "  the IPA PING among them: one PONG (%d)" % len(pongs))

# 2. a SET a byte at a time, then its GET in two parts
msg = frame(b"SET 7 equipment.imei.35200000000077.local black,in parts")
for b in range(len(msg)):
    s.sendall(msg[b:b + 1])
    if b < 5:
        time.sleep(0.05)
got = frames(s, 1)
say(got == [(0xEE, b"\x00SET_REPLY 7 equipment.imei.35200000000077.local black,in parts")],
    "a SET sent a byte at a time: acknowledged (%r)" % got[:1])
msg = frame(b"GET 8 equipment.imei.35200000000077.local")
s.sendall(msg[:10])
time.sleep(0.1)
s.sendall(msg[10:] + get(9))
got = frames(s, 2)
say(got == [(0xEE, b"\x00GET_REPLY 8 equipment.imei.35200000000077.local black,in parts"), get_reply(9)],
    "  read back from a GET in two parts, the GET behind it in the same write answered too")

# 3. the largest frame libosmoctrl reads: 1200 bytes (a GET padded with spaces), whole and in two parts
for parts in (1, 2):
    text = b"GET 10 equipment.imei.%s.local" % IMEI.encode()
    big = frame(text + b" " * (1200 - 4 - len(text)))
    cut = len(big) if parts == 1 else 600
    s.sendall(big[:cut])
    time.sleep(0.1)
    s.sendall(big[cut:] + get(11))
    got = frames(s, 2)
    say(len(big) == 1200 and got == [(0xEE, b"\x00ERROR 10 GET with trailing characters"), get_reply(11)],
        "a 1200-byte frame (%s): its error reply, the connection goes on (%r)" %
        ("whole" if parts == 1 else "in two parts", got[:1]))
s.close()

# 4. frames that cannot be taken: the connection closed, after the replies to what came before
for desc, bad in (("a frame of another protocol (0x12)", frame(b"GET 1 x", proto=0x12)),
                  ("a frame of the OSMO protocol with another extension (0x01)", frame(b"GET 1 x", ext=b"\x01")),
                  ("a header with a length of 65535", b"\xff\xff\xee\x00GET 1 equipment.summary"),
                  ("an empty frame", b"\x00\x00\xee"),
                  ("a frame of 1201 bytes", frame(b"GET 1 x" + b" " * 1190))):
    s = conn()
    s.sendall(get(20) + bad + get(21))
    got = frames(s, 1)
    say(got == [get_reply(20)] and closed(s), "%s closes the connection, the GET before it answered" % desc)

# the same with the bad frame's header arriving in parts
s = conn()
s.sendall(b"\x00")
time.sleep(0.1)
s.sendall(b"\x08\x12GET 1 x")
say(closed(s), "a frame of another protocol whose header came in parts: closed too")
# and a peer that goes away mid-frame leaves nothing behind (the shell checks the fds)
s = conn()
s.sendall(frame(b"GET 1 equipment.summary")[:9])
time.sleep(0.1)
s.close()
