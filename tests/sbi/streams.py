#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Many streams on one HTTP/2 connection, as osmo-eir reuses its closed streams and their path buffers
# (tests/sbi/streams.sh): rounds of 45 concurrent requests (more than the 32 streams a connection keeps), each
# round's paths in another order and of other lengths (padded with empty query parts, up to the longest URI
# allowed), among them a 414, a 431, a 405 and a HEAD, every answer's status and body checked against its own
# request; a request after each bad one answered for its own path, not a path left behind by an earlier stream.
# Usage: streams.py PORT. Prints "ok - ..." / "not ok - ..." lines (python3-h2).
import random
import socket
import sys

import h2.config
import h2.connection
import h2.events

port = int(sys.argv[1])
API = "/n5g-eir-eic/v1/equipment-status"
MAX_URI = 2048          # SBI_DEFAULT_MAX_URI_LEN
MAX_HEADER = 8192       # SBI_DEFAULT_MAX_HEADER_SIZE
PEIS = [("pei=imei-356938035643809", "BLACKLISTED"), ("pei=imeisv-3500000100000101", "GREYLISTED"),
        ("pei=imeisv-3599999900000101", "WHITELISTED"),
        ("pei=imei-356938035643809&supi=imsi-001010000000001", "WHITELISTED")]


def say(good, desc):
    print(("ok - " if good else "not ok - ") + desc, flush=True)


def path_of(query, length):
    """the query padded with empty parts ('&') to a path of length bytes"""
    p = API + "?" + query
    return p + "&" * max(0, length - len(p))


def request(kind, rnd, length=None):
    """(method, path, extra headers, expected status, expected body or None for any)"""
    if kind == "414":
        return ("GET", path_of(PEIS[0][0], MAX_URI + 1), [], 414, None)
    if kind == "431":
        return ("GET", path_of(PEIS[1][0], 80), [("x-pad", "p" * MAX_HEADER)], 431, None)
    if kind == "405":
        return ("DELETE", path_of(PEIS[2][0], 300), [], 405, None)
    if kind == "HEAD":
        return ("HEAD", path_of(PEIS[0][0], 1000), [], 405, b"")  # GET only (tests/sbi/curl.sh), no body
    query, verdict = PEIS[kind % len(PEIS)]
    if length is None:
        length = rnd.choice([0, 100, 255, 256, 257, 600, 1500, MAX_URI])
    return ("GET", path_of(query, length), [], 200, b'{"status":"%s"}' % verdict.encode())


def run_round(sock, conn, reqs):
    """send all requests at once, read until every stream ended; returns {stream id: (status, body)}"""
    sids = {}
    for r in reqs:
        sid = conn.get_next_available_stream_id()
        hdrs = [(":method", r[0]), (":scheme", "http"), (":authority", "127.0.0.1:%d" % port), (":path", r[1])]
        conn.send_headers(sid, hdrs + r[2], end_stream=True)
        sids[sid] = r
    sock.sendall(conn.data_to_send())
    got, bodies, done = {}, {}, set()
    while len(done) < len(sids):
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("osmo-eir closed the connection")
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                got[ev.stream_id] = int(dict(ev.headers)[b":status"])
            elif isinstance(ev, h2.events.DataReceived):
                bodies[ev.stream_id] = bodies.get(ev.stream_id, b"") + ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done.add(ev.stream_id)
        sock.sendall(conn.data_to_send())
    return sids, got, bodies


def main():
    rnd = random.Random(7)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 65536})
    sock.sendall(conn.data_to_send())
    total = 0

    def alone(seq):
        nonlocal total
        for kind, length in seq:
            r = request(kind, rnd, length)
            sids, got, bodies = run_round(sock, conn, [r])
            sid = next(iter(sids))
            say(got.get(sid) == r[3] and (r[4] is None or bodies.get(sid, b"") == r[4]),
                "alone, %s %d bytes: %s (got %s %r)" % (r[0], len(r[1]), r[3], got.get(sid),
                                                         bodies.get(sid, b"")[:40]))
            total += 1

    # one at a time on the new connection, so one stream is reused each time (the one closed last): its path
    # buffer (256 bytes at first) taken to the byte, then grown, then a short path again
    alone([(0, 100), (1, 255), (2, 256), (3, 257), (0, MAX_URI), (1, 100)])
    for n in range(4):
        kinds = list(range(41)) + ["414", "431", "405", "HEAD"]
        rnd.shuffle(kinds)
        reqs = [request(k, rnd) for k in kinds]
        sids, got, bodies = run_round(sock, conn, reqs)
        bad = [(sid, r[0], len(r[1]), r[3], got.get(sid), bodies.get(sid, b"")[:60]) for sid, r in sids.items()
               if got.get(sid) != r[3] or (r[4] is not None and bodies.get(sid, b"") != r[4])]
        say(not bad, "round %d: %d concurrent requests, each answered for its own path and method%s"
            % (n + 1, len(reqs), "" if not bad else ": wrong " + repr(bad[:3])))
        total += len(reqs)
    # after a bad request, the reused stream must not see the earlier path
    alone([("431", None), (0, None), ("414", None), (1, None), ("405", None), (2, None)])
    print("# %d requests on one connection" % total)
    sock.close()


main()
