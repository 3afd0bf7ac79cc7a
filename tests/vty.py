#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A minimal client for the Osmocom VTY (telnet): waits for each prompt, so that no command is sent before the
# VTY reads it. Usage: vty.py PORT COMMAND... (prints each command's output), or import and use Vty.
import re
import socket
import sys
import time

PROMPT = re.compile(rb"[\w\-\.()]+[>#] $")


class Vty:
    def __init__(self, port, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self.read_to_prompt()

    def read_to_prompt(self):
        buf = b""
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            d = self.s.recv(65536)
            if not d:
                break
            buf += d
            clean = re.sub(rb"\xff[\xfb-\xfe].|\xff[^\xfb-\xfe]", b"", buf)
            if PROMPT.search(clean):
                return clean.decode(errors="replace")
        raise TimeoutError("no VTY prompt; got %r" % buf[-200:])

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\r\n")
        out = self.read_to_prompt().replace("\r", "")
        lines = out.split("\n")
        # drop the echoed command and the final prompt
        if lines and lines[0].endswith(c):
            lines = lines[1:]
        return "\n".join(lines[:-1])

    def close(self):
        self.s.close()


if __name__ == "__main__":
    v = Vty(int(sys.argv[1]))
    for c in sys.argv[2:]:
        print(v.cmd(c))
    v.close()
