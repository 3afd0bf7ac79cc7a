# SPDX-License-Identifier: AGPL-3.0-or-later
# For the benchmark scripts (bash; source it): a scratch directory, background processes stopped at exit, free
# ports on 127.0.0.1.

# bench_setup NAME: $dir is BENCH_DIR, or a temp dir removed at exit; every pid added to pids=() is killed at
# exit. A script may define bench_cleanup_extra (run after the kills, before the wait) for more.
bench_setup() {
	dir=${BENCH_DIR:-$(mktemp -d "/tmp/eir-$1-bench.XXXXXX")}
	mkdir -p "$dir"
	pids=()
	trap bench_cleanup EXIT
}

bench_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra; fi
	wait 2>/dev/null || true
	[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
}

# port: a TCP port nobody listens on (the kernel picks it)
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT: until something accepts on 127.0.0.1:PORT (at most 20 s)
wait_port() {
	for _ in $(seq 100); do
		/usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "nothing listens on $1" >&2
	return 1
}

# bench_list ROWS FILE: a sorted DIRBS blacklist of ROWS IMEIs, 35000000000000 on in steps of 7 (osmo-eir-db import)
bench_list() {
	awk -v n="$1" 'BEGIN { print "imei,block_date,reasons"
		for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$2"
}

# bench_queries ROWS DIR LISTED: for a store of bench_list ROWS, DIR/imeis.csv (200,000 S13 queries with their
# verdicts, for osmo-eir-bench -i) and DIR/paths (10,000 N5g-eir paths of the same IMEIs, IMEISV: no check digit);
# LISTED % listed IMEIs, the rest random in the listed range (one in seven of them listed)
bench_queries() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import random, sys
n, d, listed = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
r = random.Random(1)
with open(d + "/imeis.csv", "w") as f, open(d + "/paths", "w") as g:
    for i in range(200000):
        k = r.randrange(n) * 7 if r.random() * 100 < listed else r.randrange(n * 7)
        f.write("%d,,%s\n" % (35000000000000 + k, "BLACKLISTED" if k % 7 == 0 else "WHITELISTED"))
        if i < 10000:
            g.write("/n5g-eir-eic/v1/equipment-status?pei=imeisv-%d%02d\n" % (35000000000000 + k, r.randrange(100)))
PY
}

# thread_ns PID [NAME]: the CPU time (ns, its schedstat) of PID's thread NAME (default: its main thread, the loop)
thread_ns() {
	local tid=$1
	[ -z "${2:-}" ] || tid=$(grep -l "^$2\$" /proc/"$1"/task/*/comm 2>/dev/null | head -n 1 | cut -d/ -f5)
	cut -d' ' -f1 "/proc/$1/task/$tid/schedstat"
}

# wait_filter LOG: until the osmo-eir writing LOG has built its lookup filter of the local lists (at most 60 s; an
# osmo-eir without one, or with 'lookup-filter off', is waited for that long)
wait_filter() {
	for _ in $(seq 300); do
		grep -q "lookup filter of the local lists: " "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "# no lookup filter built within 60 s" >&2
}

# eir_config FILE S13_PORT VTY_PORT [SBI_PORT]: the benchmarks' osmo-eir config (errors only in the log, so no
# verdict lines either; the store's INFO lines too, which wait_filter reads; no CTRL unless BENCH_CTRL_PORT is set,
# any MME), with N5g-eir on SBI_PORT when given
eir_config() {
	cat > "$1" <<CFG
log stderr
 logging level set-all error
 logging level db info
line vty
 bind 127.0.0.1 $3
eir
 ctrl-port ${BENCH_CTRL_PORT:-0}
diameter
 origin-host eir.example.org
 origin-realm example.org
 listen 127.0.0.1 $2
 unknown-peers accept
CFG
	[ -z "${4:-}" ] || printf 'sbi\n listen 127.0.0.1 %s\n' "$4" >> "$1"
}

# sbi_config FILE SBI_PORT: the same for the N5g-eir benchmarks (S13 and the VTY on ports nobody uses)
sbi_config() {
	eir_config "$1" "$(port)" "$(port)" "$2"
}
