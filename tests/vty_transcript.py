#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Run a VTY transcript against a running osmo-eir and compare each command's output with the transcript.
# A transcript is what an operator would see: a prompt line "OsmoEIR# COMMAND" (or "OsmoEIR> ...",
# "OsmoEIR(config-eir)# ...") followed by the exact output expected; lines starting with "## " are comments.
# What changes from run to run is replaced in the output before comparing: today's date by TODAY, audit
# timestamps by TIME, the time an entry was applied by APPLIED, client ports by PORT, the store path by STORE,
# storage sizes by N, uids by UID.
# usage: vty_transcript.py PORT FILE [--update]   (--update rewrites FILE with the outputs seen)
import datetime
import difflib
import re
import sys

from vty import Vty

PROMPT = re.compile(r"^OsmoEIR(\([\w-]+\))?[#>] (.*)$")


def normalise(text):
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC", "TIME", text)
    text = re.sub(r"applied \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "applied APPLIED", text)
    text = text.replace(today, "TODAY")
    text = re.sub(r"\b(vty|ctrl) 127\.0\.0\.1:\d+", r"\1 127.0.0.1:PORT", text)
    text = re.sub(r"^Store \S+, schema", "Store STORE, schema", text, flags=re.M)
    text = re.sub(r"file \d+ KiB, map \d+ of \d+ KiB used \(\d+ %\), \d+ readers",
                  "file N KiB, map N of N KiB used (N %), N readers", text)
    text = re.sub(r"\buid \d+", "uid UID", text)
    text = re.sub(r", \d+ lookups answered$", ", N lookups answered", text, flags=re.M)
    return text


def parse(path):
    """[(comment lines before it, prompt line, command, expected output lines)]"""
    steps = []
    comments = []
    for line in open(path).read().split("\n"):
        m = PROMPT.match(line)
        if m:
            steps.append([comments, line, m.group(2), []])
            comments = []
        elif line.startswith("##"):
            comments.append(line)
        elif steps and not comments:
            steps[-1][3].append(line)
    for s in steps:
        while s[3] and s[3][-1] == "":
            s[3].pop()
    return steps


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    update = "--update" in sys.argv[3:]
    v = Vty(port)
    failed = 0
    out_lines = []
    for comments, prompt, cmd, expected in parse(path):
        got = normalise(v.cmd(cmd)).rstrip("\n").split("\n")
        if got == [""]:
            got = []
        got = [g.rstrip() for g in got]
        # the VTY ends some outputs with a line break before its prompt: the prompt is not output
        while got and (got[-1] == "" or re.match(r"^OsmoEIR(\([\w-]+\))?[#>]$", got[-1])):
            got.pop()
        out_lines += comments + [prompt] + got + [""]
        if got != expected:
            failed += 1
            print("not ok - %s" % cmd)
            for d in difflib.unified_diff(expected, got, "expected", "got", lineterm=""):
                print("#   " + d)
        else:
            print("ok - %s" % cmd)
    v.close()
    if update:
        with open(path, "w") as f:
            f.write("\n".join(out_lines))
    print("# transcript %s: %d commands, %d differ" % (path, len(parse(path)), failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
