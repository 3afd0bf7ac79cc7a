#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The build's layers (issue #11), from the object files of a build (nm): which source file calls a function
defined in which other, by name. Checked: (1) no circle of calls by name between files (every strongly connected
group of two or more files is printed with the calls that close it); (2) a folder calls only folders below it
(FOLDERS); (3) in a folder with a layer list (LAYERS, the same as the comment at the top of its internal header),
a file calls only files below it or in its own group; (4) from the sources: no file outside a folder includes its
internal header (*_internal.h), and the libraries' folders never name the daemon's global (g_eir, eir.h): each
front end's VTY is handed its config and server. Callbacks and ops tables handed up by the upper layer do not show
here (nothing is called by name): that is the intended shape. Usage: layers.py BUILDDIR SRCDIR [--graph]; exit 1
on a broken rule."""
import os
import re
import subprocess
import sys


# folders, bottom first: each calls by name only those of a lower rank
FOLDERS = {
    'src/core': 0,
    'src/db': 1, 'src/feed': 1,
    'src/eir': 2,
    'src/diameter': 3, 'src/sbi': 3,
    'src/osmo-eir': 4, 'src/osmo-eir-db': 4, 'src/osmo-eir-sync': 4, 'src/osmo-eir-feed': 4, 'contrib/bench': 4,
    'src/osmo-eir-push': 4,
}

# files of a folder, bottom first; files in one group may call each other one way (no circle)
LAYERS = {
    # history*.c: the device history, an LMDB environment of its own beside the lists' (it calls nothing of theirs)
    'src/db': [['codec', 'history_prune'], ['history'], ['history_read'], ['env'], ['schema', 'filter'], ['read', 'keylog'], ['write'], ['audit'], ['meta'],
               ['reasons'], ['store']],
    'src/diameter': [['msg', 'dict'], ['answer'], ['s13_codec'], ['conn'], ['peer'], ['s13'], ['server'],
                     ['diam_vty']],
    'src/sbi': [['n5g_codec'], ['nrf'], ['server'], ['n5g_eir'], ['sbi_vty']],
    # the daemon: its state (g_eir) at the bottom, main's file at the top wiring the others
    'src/osmo-eir': [['lists'], ['vty_guard', 'eir_ctrl', 'lend'], ['eir_vty', 'equipment_vty', 'history_vty'],
                     ['osmo-eir']],
}

# the folders of the libraries: they never name the daemon's global
LIBRARIES = ('src/core', 'src/eir', 'src/db', 'src/feed', 'src/diameter', 'src/sbi')


def source_rules(srcdir):
    """rule (4), from the sources: the not-ok lines"""
    bad = []
    inc = re.compile(r'^\s*#\s*include\s*"([^"]*_internal\.h)"')
    for top in ('src', 'include', 'tests', 'contrib'):
        for root, _, files in os.walk(os.path.join(srcdir, top)):
            for f in files:
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, srcdir)
                for n, line in enumerate(open(path, errors='replace'), 1):
                    m = inc.match(line)
                    if m and not os.path.exists(os.path.join(root, m.group(1))):
                        bad.append('%s:%d includes %s of another folder' % (rel, n, m.group(1)))
                    if os.path.dirname(rel) in LIBRARIES and (re.search(r'\bg_eir\b', line) or
                                                            '<osmocom/eir/eir.h>' in line):
                        bad.append('%s:%d names the daemon\'s global: %s' % (rel, n, line.strip()))
    return bad



def rank_in_folder(f):
    """(folder, rank of the file's group in its folder's LAYERS or None)"""
    d = os.path.dirname(f)
    name = os.path.basename(f)[:-2]
    for i, group in enumerate(LAYERS.get(d, [])):
        if name in group:
            return d, i
    return d, None


def source_name(builddir, path):
    """src/osmo-eir-sync/osmo_eir_sync-apply.o -> src/osmo-eir-sync/apply.c: automake's per-target prefix (the
    canonical target name, which always has an underscore) taken off"""
    d, base = os.path.split(os.path.relpath(path, builddir))
    m = re.match(r'^([a-z0-9]+_[a-z0-9_]*)-(.+)$', base)
    if m:
        base = m.group(2)
    return os.path.join(d, base[:-2] + '.c')


def symbols(path):
    out = subprocess.run(['nm', path], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDRB':
            defined.add(parts[2])
    return defined, undefined


def main():
    builddir, srcdir = sys.argv[1], sys.argv[2]
    objs = []
    for top in ('src', 'contrib'):
        for root, _, files in os.walk(os.path.join(builddir, top)):
            objs += [os.path.join(root, f) for f in files if f.endswith('.o')]
    if not objs:
        print('no object files under %s: build first' % builddir)
        return 2
    info = {}
    for o in sorted(objs):
        info[source_name(builddir, o)] = symbols(o)
    # a function is resolved in the caller's own folder first (each program has its own), then anywhere
    where = {}
    for f, (defined, _) in info.items():
        for s in defined:
            where.setdefault(s, []).append(f)
    edges = {f: {} for f in info}
    for f, (_, undefined) in info.items():
        for s in undefined:
            cands = where.get(s, [])
            if not cands:
                continue
            same = [c for c in cands if os.path.dirname(c) == os.path.dirname(f)]
            for c in (same or cands):
                if c != f:
                    edges[f].setdefault(c, []).append(s)
    if '--graph' in sys.argv:
        for f in sorted(edges):
            for c in sorted(edges[f]):
                print('%s -> %s: %s' % (f, c, ' '.join(sorted(edges[f][c]))))
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    bad = 0
    for comp in sccs:
        bad += 1
        print('not ok - a circle of calls by name between %s:' % ', '.join(comp))
        for f in comp:
            for c in sorted(edges[f]):
                if c in comp:
                    print('    %s -> %s: %s' % (f, c, ' '.join(sorted(edges[f][c]))))
    for f in sorted(edges):
        d, r = rank_in_folder(f)
        if d not in FOLDERS:
            bad += 1
            print('not ok - %s: its folder is not in FOLDERS of tests/build/layers.py' % f)
            continue
        if d in LAYERS and r is None:
            bad += 1
            print('not ok - %s: not in the layer list of %s (tests/build/layers.py LAYERS)' % (f, d))
            continue
        for c in sorted(edges[f]):
            cd, cr = rank_in_folder(c)
            if cd != d and cd in FOLDERS and FOLDERS[cd] >= FOLDERS[d]:
                bad += 1
                print('not ok - %s calls %s of %s, a folder not below its own: %s' %
                      (f, ' '.join(sorted(edges[f][c])), c, cd))
            elif cd == d and r is not None and cr is not None and cr > r:
                bad += 1
                print('not ok - %s calls %s of %s, a file above it in %s' % (f, ' '.join(sorted(edges[f][c])), c, d))
    for line in source_rules(srcdir):
        bad += 1
        print('not ok - ' + line)
    if not bad:
        print('ok - %u source files: no circle of calls by name, every call goes down the layers' % len(info))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
