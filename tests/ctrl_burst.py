#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Pipelined CTRL SETs for the tests (tests/vty/ctrl-burst.sh, tests/slow/ctrl_kill9.sh): CONNS connections, each
# sending N SETs of local entries without waiting for a reply, then reading them all and checking each (the value
# read back, or the exact error text expected). Usage:
#   ctrl_burst.py PORT CONNS N PREFIX [--errors] [--ack-log FILE] [--check] [--reason-len L]
#     PREFIX    3 digits: the IMEIs are PREFIX, the connection (3 digits), the edit (8 digits)
#     --errors  every 25th edit removes an IMEI that is not there, every 25th + 6 adds a range overlapping
#               35000004000100..35000004000199 (the test store's): both must get their error, nothing changed
#     --ack-log each acknowledged IMEI written (and flushed) as it is acknowledged: "IMEI REASON"
#     --check   afterwards GET each acknowledged entry back (in windows of 16)
#     --reason-len pad the reasons to L characters (to fill a small map)
# Prints "acked=A refused=R bad=B"; exit 0 when every SET got its expected reply (and, with --check, read back).
import sys
import threading

from ctrl import Ctrl

args = sys.argv[1:]
port, conns, n, prefix = int(args[0]), int(args[1]), int(args[2]), args[3]
errors = "--errors" in args
check = "--check" in args
ack_log = args[args.index("--ack-log") + 1] if "--ack-log" in args else None
reason_len = int(args[args.index("--reason-len") + 1]) if "--reason-len" in args else 0
lock = threading.Lock()
log = open(ack_log, "a", buffering=1) if ack_log else None
res = {"acked": 0, "refused": 0, "bad": 0}
acked = []


def reason(k, i):
    r = "burst %d %d" % (k, i)
    return r + "." * max(0, reason_len - len(r))


def plan(k):
    """(id, command, variable, expected ok, expected text, imei or None) for connection k"""
    out = []
    for i in range(n):
        imei = "%s%03d%08d" % (prefix, k, i)
        cid = str(i + 1)
        if errors and i % 25 == 7:
            gone = "359%03d%08d" % (k, i)
            out.append((cid, "SET %s equipment.imei.%s.local none" % (cid, gone), False,
                        "imei %s: not on the local lists" % gone, None))
        elif errors and i % 25 == 13:
            out.append((cid, "SET %s equipment.range.35000004000150.35000004000250.local black" % cid, False,
                        "range 35000004000150..35000004000250 overlaps range 35000004000100..35000004000199 "
                        "(black)", None))
        else:
            r = reason(k, i)
            out.append((cid, "SET %s equipment.imei.%s.local black,%s" % (cid, imei, r), True,
                        "black,%s" % r, imei))
    return out


def bad(msg):
    with lock:
        res["bad"] += 1
        if res["bad"] <= 10:
            print("# " + msg, file=sys.stderr)


def run(k):
    try:
        c = Ctrl(port, timeout=120)
    except OSError as e:
        bad("connection %d: %s" % (k, e))
        return
    p = plan(k)
    want = {cid: (ok, text, imei) for cid, _, ok, text, imei in p}
    # a sender of its own: the server reads no more while 32 SETs of a connection wait for their commit
    sender = threading.Thread(target=lambda: [c._send(cmd) for _, cmd, _, _, _ in p])
    sender.start()
    got = 0
    try:
        while got < len(p):
            typ, rid, rest = c.reply()
            if rid not in want:
                bad("connection %d: a reply to an unknown id %s" % (k, rid))
                continue
            ok, text, imei = want.pop(rid)
            got += 1
            if ok:
                val = rest.split(" ", 1)[1] if " " in rest else ""
                if typ == "SET_REPLY" and val == text:
                    with lock:
                        res["acked"] += 1
                        acked.append((imei, text))
                        if log:
                            log.write("%s %s\n" % (imei, text[len("black,"):]))
                else:
                    bad("connection %d id %s: %s %s, expected SET_REPLY %s" % (k, rid, typ, rest, text))
            elif typ == "ERROR" and rest == text:
                with lock:
                    res["refused"] += 1
            else:
                bad("connection %d id %s: %s %s, expected ERROR %s" % (k, rid, typ, rest, text))
    except (OSError, ConnectionError) as e:
        bad("connection %d: %s after %d replies" % (k, e, got))
    sender.join()


threads = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()

if check and not res["bad"]:
    c = Ctrl(port, timeout=60)
    for w in range(0, len(acked), 16):
        win = acked[w:w + 16]
        for j, (imei, _) in enumerate(win):
            c._send("GET %d equipment.imei.%s.local" % (1000000 + w + j, imei))
        for j, (imei, text) in enumerate(win):
            typ, rid, rest = c.reply()
            val = rest.split(" ", 1)[1] if " " in rest else ""
            if typ != "GET_REPLY" or rid != str(1000000 + w + j) or val != text:
                bad("read back %s: %s %s %s, expected %s" % (imei, typ, rid, rest, text))
print("acked=%d refused=%d bad=%d" % (res["acked"], res["refused"], res["bad"]))
sys.exit(0 if res["bad"] == 0 else 1)
