#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A small NRF stand-in for the tests (python3-h2; cleartext HTTP/2 with prior knowledge, or TLS with ALPN h2):
# records every request as one JSON line (time, method, path, content-type, user-agent, scheme, TLS and ALPN, body)
# in LOG and answers PUT with 201 and the profile plus heartBeatTimer HB, PATCH and DELETE with 204; with FORGET=N,
# the Nth PATCH gets 404 (the NRF lost the profile). With --tls CERT KEY it serves TLS (TLS 1.2+, ALPN h2 only;
# with --no-alpn, no ALPN at all).
# Usage: nrf_standin.py PORT LOG HB [FORGET] [--tls CERT KEY [--no-alpn]]
import json
import select
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events

args = sys.argv[1:]
tls = None
alpn = '--no-alpn' not in args
if not alpn:
    args.remove('--no-alpn')
if '--tls' in args:
    i = args.index('--tls')
    tls = args[i + 1:i + 3]
    del args[i:i + 3]
port, log, hb = int(args[0]), args[1], int(args[2])
forget = int(args[3]) if len(args) > 3 else 0
patches = [0]


def answer(conn, sid, req, out, sock):
    body = req['body']
    rec = {'t': time.monotonic(), 'method': req[':method'], 'path': req[':path'], 'scheme': req.get(':scheme'),
           'authority': req.get(':authority'), 'content-type': req.get('content-type', ''),
           'user-agent': req.get('user-agent'), 'tls': isinstance(sock, ssl.SSLSocket),
           'alpn': sock.selected_alpn_protocol() if isinstance(sock, ssl.SSLSocket) else None,
           'body': body.decode('utf-8', 'replace')}
    out.write(json.dumps(rec) + '\n')
    out.flush()
    if req[':method'] == 'PUT':
        try:
            prof = json.loads(body)
        except ValueError:
            prof = {}
        prof['heartBeatTimer'] = hb
        data = json.dumps(prof).encode()
        conn.send_headers(sid, [(':status', '201'), ('content-type', 'application/json'),
                                ('location', 'http://127.0.0.1:%d%s' % (port, req[':path'])),
                                ('content-length', str(len(data)))])
        conn.send_data(sid, data, end_stream=True)
    elif req[':method'] == 'PATCH' and forget and patches[0] + 1 == forget:
        patches[0] += 1
        conn.send_headers(sid, [(':status', '404')], end_stream=True)
    elif req[':method'] in ('PATCH', 'DELETE'):
        patches[0] += req[':method'] == 'PATCH'
        conn.send_headers(sid, [(':status', '204')], end_stream=True)
    else:
        conn.send_headers(sid, [(':status', '405')], end_stream=True)


def serve(sock, out):
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    reqs = {}
    while True:
        data = sock.recv(65536)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                reqs[ev.stream_id] = dict((k.decode() if isinstance(k, bytes) else k,
                                           v.decode() if isinstance(v, bytes) else v) for k, v in ev.headers)
                reqs[ev.stream_id]['body'] = b''
            elif isinstance(ev, h2.events.DataReceived):
                reqs[ev.stream_id]['body'] += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                answer(conn, ev.stream_id, reqs.pop(ev.stream_id), out, sock)
        sock.sendall(conn.data_to_send())


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(4)
    listeners = [srv]
    # also on ::1 when it can, for a host name (localhost) that resolves to either
    try:
        srv6 = socket.socket(socket.AF_INET6)
        srv6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv6.bind(('::1', port))
        srv6.listen(4)
        listeners.append(srv6)
    except OSError:
        pass
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(tls[0], tls[1])
        if alpn:
            ctx.set_alpn_protocols(['h2'])
    print('listening', flush=True)
    with open(log, 'a') as out:
        while True:
            r, _, _ = select.select(listeners, [], [])
            s, _ = r[0].accept()
            try:
                if ctx:
                    s = ctx.wrap_socket(s, server_side=True)
                serve(s, out)
            except (ConnectionError, OSError, ssl.SSLError) as e:
                print('connection ended: %s' % e, flush=True)
            s.close()


main()
