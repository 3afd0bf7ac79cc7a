#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A small NRF stand-in for the tests (python3-h2, cleartext HTTP/2 with prior knowledge): records every request as
# one JSON line (time, method, path, content-type, body) in LOG and answers PUT with 201 and the profile plus
# heartBeatTimer HB, PATCH and DELETE with 204; with FORGET=N, the Nth PATCH gets 404 (the NRF lost the profile).
# Usage: nrf_standin.py PORT LOG HB [FORGET]
import json
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events

port, log, hb = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
forget = int(sys.argv[4]) if len(sys.argv) > 4 else 0
patches = [0]


def answer(conn, sid, req, out):
    body = req['body']
    rec = {'t': time.monotonic(), 'method': req[':method'], 'path': req[':path'],
           'content-type': req.get('content-type', ''), 'body': body.decode('utf-8', 'replace')}
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
                answer(conn, ev.stream_id, reqs.pop(ev.stream_id), out)
        sock.sendall(conn.data_to_send())


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(4)
    print('listening', flush=True)
    with open(log, 'a') as out:
        while True:
            s, _ = srv.accept()
            try:
                serve(s, out)
            except (ConnectionError, OSError):
                pass
            s.close()


main()
