#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The soak's operator and watcher (tests/soak/soak.sh starts it beside the S13 and N5g-eir load).

For SECS seconds, on one Diameter connection (CER once) and one VTY session:
  - VTY list edits, paced (EDITS_PER_S): add an IMEI to the black list, later remove it again; right after each
    edit is acknowledged, an ECR for that IMEI must give the new verdict;
  - every 10 s a new run of the national blacklist (500 IMEIs more, 500 fewer) published with osmo-eir-feed and
    applied with osmo-eir-sync; once the sync has exited 0, ECRs for an IMEI it added and one it removed must give
    the new verdicts;
  - every second, N5g-eir (curl, cleartext HTTP/2) asked about fixed IMEIs of each verdict: exact bodies;
  - every 10 s, osmo-eir's RssAnon, RssFile and open fds sampled.
Prints one line per failure (at most 20) and a summary:
  soak: edits=N edit_fail=N syncs=N sync_fail=N feed_fail=N sbi=N sbi_fail=N
  samples: t rss_anon_kib rss_file_kib fds (one line per sample)
Exit 0 when nothing failed. Every loop is bounded by SECS and its own count."""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "contrib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("s13ecr", os.path.join(os.path.dirname(__file__), "..", "..",
                                                                     "contrib", "s13-ecr.py"))
s13 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(s13)
from vty import Vty  # noqa: E402

NAMES = {0: "WHITELISTED", 1: "BLACKLISTED", 2: "GREYLISTED"}


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        sys.exit("soak.py: %s not set" % name)
    return v


class Mme:
    """One S13 connection: CER, then ECRs one at a time."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.oh, self.orr = s13.avp(264, b"soak-mme.example.org"), s13.avp(296, b"example.org")
        self.hbh = 1
        self.s.sendall(s13.msg(0x80, 257, 0, [self.oh, self.orr,
                                              s13.avp(257, b"\0\1" + socket.inet_aton("127.0.0.1")),
                                              s13.u32(266, 0), s13.avp(269, b"soak", 0),
                                              s13.avp(260, s13.u32(266, s13.VENDOR) + s13.u32(258, s13.S13))],
                               self.hbh))
        cea = s13.avps_of(self.recv()[20:])
        if struct.unpack(">I", cea[268])[0] != 2001:
            sys.exit("soak.py: CER refused")

    def recv(self):
        buf = b""
        while len(buf) < 4 or len(buf) < int.from_bytes(buf[1:4], "big"):
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("the EIR closed the S13 connection")
            buf += d
        return buf

    def verdict(self, imei):
        self.hbh += 1
        ti = s13.avp(1401, s13.avp(1402, imei.encode(), vendor=s13.VENDOR), vendor=s13.VENDOR)
        req = [s13.avp(263, ("soak;%d" % self.hbh).encode()), s13.u32(277, 1), self.oh, self.orr,
               s13.avp(283, b"example.org"), ti]
        self.s.sendall(s13.msg(0xc0, 324, s13.S13, req, self.hbh))
        while True:
            m = self.recv()
            flags, cmd = m[4], int.from_bytes(m[5:8], "big")
            if flags & 0x80:  # a request from the EIR (DWR): answer it
                self.s.sendall(s13.msg(0, cmd, 0, [s13.u32(268, 2001), self.oh, self.orr],
                                       int.from_bytes(m[12:16], "big")))
                continue
            eca = s13.avps_of(m[20:])
            if 1445 in eca:
                return NAMES.get(struct.unpack(">I", eca[1445])[0], "?")
            return "ERROR"


def luhn15(d):
    s = sum(int(c) if i % 2 == 0 else sum(divmod(2 * int(c), 10)) for i, c in enumerate(d))
    return d + str((10 - s % 10) % 10)


def main():
    secs = float(env("SECS"))
    eir_port, vty_port, sbi_port = int(env("EIR_PORT")), int(env("VTY_PORT")), int(env("SBI_PORT"))
    pid = int(env("EIR_PID"))
    tmp = env("T")
    feed_cmd, sync_cmd = env("FEED_CMD").split(), env("SYNC_CMD").split()
    base_rows = int(env("BASE_ROWS"))
    edits_per_s = float(env("EDITS_PER_S", "20"))
    fixed = [x.split("=") for x in env("FIXED").split()]  # IMEI=VERDICT
    fails = []
    c = dict(edits=0, edit_fail=0, syncs=0, sync_fail=0, feed_fail=0, sbi=0, sbi_fail=0)
    samples = []

    def fail(kind, what):
        c[kind] += 1
        if len(fails) < 20:
            fails.append("%s: %s" % (kind, what))
            print("# FAIL %s: %s" % (kind, what), flush=True)

    mme = Mme(eir_port)
    vty = Vty(vty_port, timeout=30)
    vty.cmd("enable")

    def blacklist(run):
        # the base rows, then a window of moving IMEIs that shifts by 500 each run
        with open(os.path.join(tmp, "bl.csv"), "w") as f:
            f.write("imei,block_date,reasons\n")
            for i in range(base_rows):
                f.write("%d,20261101,Stolen\n" % (35100000000000 + i * 3))
            for i in range(500 * run, 500 * run + 5000):
                f.write("%d,20261120,Moving %d\n" % (35110000000000 + i, run))

    def sample():
        kib = {}
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("RssAnon", "RssFile"):
                    kib[k] = int(v.split()[0])
        samples.append((round(time.time() - t0), kib.get("RssAnon", 0), kib.get("RssFile", 0),
                        len(os.listdir("/proc/%d/fd" % pid))))

    t0 = time.time()
    run = 0
    next_sync = t0 + 5
    next_sbi = t0
    next_sample = t0
    edit_n = 0
    held = []  # IMEIs the VTY added and not yet removed
    deadline = t0 + secs
    while time.time() < deadline:
        now = time.time()
        if now >= next_sample:
            sample()
            next_sample += 10
        if now >= next_sbi:
            next_sbi += 1
            for imei, want in fixed:
                c["sbi"] += 1
                url = "http://127.0.0.1:%d/n5g-eir-eic/v1/equipment-status?pei=imei-%s" % (sbi_port, luhn15(imei))
                out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "--max-time", "5", url],
                                     capture_output=True, text=True).stdout
                if out != '{"status":"%s"}' % want:
                    fail("sbi_fail", "%s: want %s, got %r" % (imei, want, out))
        if now >= next_sync:
            next_sync += 10
            run += 1
            blacklist(run)
            r = subprocess.run(feed_cmd + ["--blacklist", os.path.join(tmp, "bl.csv")], capture_output=True,
                               text=True)
            if r.returncode:
                fail("feed_fail", "publish: %s" % r.stdout + r.stderr)
                continue
            r = subprocess.run(sync_cmd, capture_output=True, text=True)
            c["syncs"] += 1
            if r.returncode:
                fail("sync_fail", "sync exit %d: %s" % (r.returncode, (r.stdout + r.stderr).strip()[-300:]))
                continue
            # run N added 35110000000000 + 500*N + 4999 (and earlier ones) and removed 500*(N-1) .. 500*N - 1
            added, removed = "%d" % (35110000000000 + 500 * run + 4999), "%d" % (35110000000000 + 500 * run - 1)
            for imei, want in ((added, "BLACKLISTED"), (removed, "WHITELISTED")):
                got = mme.verdict(imei)
                if got != want:
                    fail("sync_fail", "after run %d: %s want %s, got %s" % (run, imei, want, got))
        # one edit, then its ECR; paced
        edit_n += 1
        if held and (edit_n % 2 == 0):
            imei = held.pop(0)
            out, want = vty.cmd("equipment del imei %s" % imei), "WHITELISTED"
        else:
            imei = "%d" % (35120000000000 + edit_n)
            out, want = vty.cmd("equipment add imei %s black Soak %d" % (imei, edit_n)), "BLACKLISTED"
            held.append(imei)
        c["edits"] += 1
        if out.strip().startswith("%"):
            fail("edit_fail", "%s refused: %s" % (imei, out.strip()))
        else:
            got = mme.verdict(imei)
            if got != want:
                fail("edit_fail", "%s after its edit: want %s, got %s" % (imei, want, got))
        time.sleep(max(0.0, t0 + edit_n / edits_per_s - time.time()))
    print("soak: " + " ".join("%s=%d" % (k, v) for k, v in c.items()))
    print("samples: t rss_anon_kib rss_file_kib fds")
    for s in samples:
        print("sample: %d %d %d %d" % s)
    return 1 if any(c[k] for k in ("edit_fail", "sync_fail", "feed_fail", "sbi_fail")) else 0


if __name__ == "__main__":
    sys.exit(main())
