#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A test receiver for osmo-eir-push: HTTPS (http.server + ssl) on 127.0.0.1, takes POSTs of a JSON array of events,
# appends each event's id to IDS and the event itself as one JSON line to IDS.jsonl, answers STATUS (default 200).
# receiver.py PORT CERT KEY IDS [--status N] [--client-ca CA]: with --client-ca a client certificate from CA is
# required; --hang S waits S seconds before it answers. Prints "listening" once it accepts connections.
import argparse
import http.server
import json
import ssl
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("cert")
ap.add_argument("key")
ap.add_argument("ids")
ap.add_argument("--status", type=int, default=200)
ap.add_argument("--client-ca")
ap.add_argument("--hang", type=float, default=0, help="seconds to wait before answering")
args = ap.parse_args()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(args.ids + ".posts", "a") as f:
            f.write("%s %s %d\n" % (self.path, self.headers.get("Content-Type"), n))
        try:
            if self.headers.get("Content-Type") != "application/json":
                raise ValueError("content type %s" % self.headers.get("Content-Type"))
            evs = json.loads(body)
            if not isinstance(evs, list) or not evs:
                raise ValueError("not a non-empty JSON array")
            ids = [e["id"] for e in evs]
        except Exception as ex:
            print("bad POST: %s" % ex, file=sys.stderr, flush=True)
            self.answer(400)
            return
        if args.hang:
            time.sleep(args.hang)
        if args.status // 100 == 2:
            with open(args.ids, "a") as f, open(args.ids + ".jsonl", "a") as j:
                for i, e in zip(ids, evs):
                    f.write("%d\n" % i)
                    j.write(json.dumps(e, separators=(",", ":")) + "\n")
        self.answer(args.status)

    def log_message(self, fmt, *a):
        print(fmt % a, file=sys.stderr, flush=True)


srv = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
if args.client_ca:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(args.client_ca)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
