#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# National feed benchmark (not a test): osmo-eir-feed publishes, a local nginx serves, osmo-eir-sync applies.
#   1. a full ROWS-row blacklist into an empty store, against the reference of osmo-eir-db importing the same CSV
#      into the local part in the same run (and curl fetching the same file, the transfer alone)
#   2. the same full list again against the held one with 0.1 % of it changed (the diff path)
#   3. a DELTA-row delta (half removals, half additions)
#   4. time to block: osmo-eir-sync --poll 5 beside a running osmo-eir; a run that blacklists one IMEI is published;
#      the time until osmo-eir answers BLACKLISTED to an S13 ECR (contrib/s13-ecr.py every 0.1 s), 3 times
#   5. S13 at a paced 50k ECR/s (osmo-eir-bench, 2 connections, W=256) on a store holding ROWS national entries:
#      idle, then during a full ROWS-row list applied against them (the sync at nice 19, idle I/O class, as the
#      systemd units run it); lost answers and p99 against the idle p99
# Run from an optimised build tree: `make bench-sync`, or `builddir=$PWD ../contrib/bench/run-sync-bench.sh`.
# Prints figures, asserts nothing. Scratch data in BENCH_DIR (default a temp dir, removed afterwards).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
DELTA=${DELTA:-100000}
FEED="$builddir/src/osmo-eir-feed/osmo-eir-feed"
SYNC="$builddir/src/osmo-eir-sync/osmo-eir-sync"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
EIR="$builddir/src/osmo-eir/osmo-eir"
bench_cleanup_extra() {
	[ -f "$dir/nginx/nginx.pid" ] && kill -QUIT "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null || true
}
. "$here/lib.sh"
bench_setup sync
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ROWS=$ROWS DELTA=$DELTA, scratch in $dir"
mkdir -p "$dir/in" "$dir/www" "$dir/nginx/tmp"
# our operator's lists, empty: a run with full lists always has them (osmo-eir-sync refuses one without)
echo "imei,imsi,msisdn,block_date,reasons" > "$dir/in/notif0.csv"
echo "imei,imsi,msisdn" > "$dir/in/exc0.csv"
OPL="--notifications op=$dir/in/notif0.csv --exceptions op=$dir/in/exc0.csv"
openssl genpkey -algorithm ed25519 -out "$dir/feed.key" 2>/dev/null
openssl pkey -in "$dir/feed.key" -pubout -out "$dir/feed.pub"

# --- nginx on 127.0.0.1 ---
HTTP_PORT=$(port)
user=""
[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
cat > "$dir/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $dir/nginx/tmp/body;
	proxy_temp_path $dir/nginx/tmp/proxy;
	fastcgi_temp_path $dir/nginx/tmp/fastcgi;
	uwsgi_temp_path $dir/nginx/tmp/uwsgi;
	scgi_temp_path $dir/nginx/tmp/scgi;
	server { listen 127.0.0.1:$HTTP_PORT; root $dir/www; }
}
CONF
nginx -e "$dir/nginx/error.log" -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
URL="http://127.0.0.1:$HTTP_PORT/feed/"

# --- the lists: ROWS sorted IMEIs; the next run 0.1 % changed; then DELTA/2 removed and DELTA/2 added ---
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$dir/in/bl1.csv"
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++)
		printf "%.0f,%s,Reported stolen\n", 35000000000000 + i * 7, i % 1000 ? "20261101" : "20261102" }' \
	> "$dir/in/bl2.csv"
awk -v n="$ROWS" -v d="$DELTA" 'BEGIN { print "imei,block_date,reasons"
	for (i = d / 2; i < n; i++)
		printf "%.0f,%s,Reported stolen\n", 35000000000000 + i * 7, i % 1000 ? "20261101" : "20261102"
	for (i = 0; i < d / 2; i++) printf "%.0f,20261103,Reported stolen\n", 36000000000000 + i * 7 }' \
	> "$dir/in/bl3.csv"
echo "# list file: $(du -m "$dir/in/bl1.csv" | cut -f1) MB"

t0=$(now)
"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --no-deltas --blacklist "$dir/in/bl1.csv" $OPL >/dev/null
t1=$(now)
echo "publish run 1 (full, hashed, signed): $(secs "$t0" "$t1") s"
full=$(ls "$dir"/www/feed/*_blacklist.csv)

echo "## 1. full list of $ROWS rows into an empty store"
t0=$(now)
curl -s -o /dev/null "$URL$(basename "$full")"
t1=$(now)
transfer=$(secs "$t0" "$t1")
echo "reference: curl fetching the list alone: $transfer s"
"$EIR_DB" -l "$dir/ref" create >/dev/null
t0=$(now)
"$EIR_DB" -l "$dir/ref" import "$dir/in/bl1.csv" 2>&1 | tail -n 1 |
	sed 's/^/reference: osmo-eir-db import into the local part: /'
t1=$(now)
ref=$(secs "$t0" "$t1")
rm -rf "$dir/ref"
"$EIR_DB" -l "$dir/store" create >/dev/null
t0=$(now)
"$SYNC" -l "$dir/store" -o op -k "$dir/feed.pub" -u "$URL" 2>&1 | tail -n 1
t1=$(now)
s1=$(secs "$t0" "$t1")
echo "RESULT full sync $ROWS rows: $s1 s (target <= 15 s); $(ratio "$s1" "$ref") x the osmo-eir-db import ($ref s)"

echo "## 2. the full list again, 0.1 % changed, against the $ROWS held (no deltas published)"
"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --no-deltas --blacklist "$dir/in/bl2.csv" $OPL >/dev/null
t0=$(now)
"$SYNC" -l "$dir/store" -o op -k "$dir/feed.pub" -u "$URL" 2>&1 | tail -n 1
t1=$(now)
s2=$(secs "$t0" "$t1")
echo "RESULT full re-sync (diff) $ROWS rows: $s2 s; $(ratio "$s2" "$s1") x the first full sync"

echo "## 3. a delta of $DELTA rows"
t0=$(now)
"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --blacklist "$dir/in/bl3.csv" $OPL | sed 's/^/publish: /'
t1=$(now)
echo "publish run 3 (full + deltas computed): $(secs "$t0" "$t1") s"
t0=$(now)
"$SYNC" -l "$dir/store" -o op -k "$dir/feed.pub" -u "$URL" 2>&1 | tail -n 1
t1=$(now)
s3=$(secs "$t0" "$t1")
echo "RESULT delta sync $DELTA rows: $s3 s (target <= 1 s); $(ratio "$s3" "$s1") x the first full sync"

echo "## 4. time to block: osmo-eir-sync --poll 5 beside osmo-eir, ECR every 0.1 s"
S13_PORT=$(port)
VTY_PORT=$(port)
cat > "$dir/osmo-eir.cfg" <<CFG
log stderr
 logging level set-all notice
line vty
 bind 127.0.0.1 $VTY_PORT
eir
 ctrl-port 0
diameter
 origin-host eir.example.org
 origin-realm example.org
 listen 127.0.0.1 $S13_PORT
 unknown-peers accept
CFG
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/osmo-eir.log" 2>&1 &
pids+=($!)
"$SYNC" -l "$dir/store" -o op -k "$dir/feed.pub" -u "$URL" --poll 5 > "$dir/poll.log" 2>&1 &
pids+=($!)
sleep 2
cp "$dir/in/bl3.csv" "$dir/in/bl4.csv"
for k in 1 2 3; do
	imei=$((37000000000000 + k))
	echo "$imei,20261104,Reported stolen $k" >> "$dir/in/bl4.csv"
	"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --blacklist "$dir/in/bl4.csv" $OPL >/dev/null
	t0=$(now)
	v=""
	for _ in $(seq 600); do
		v=$(/usr/bin/python3 "$here/../s13-ecr.py" --port "$S13_PORT" --dest-realm example.org "$imei" 2>/dev/null |
			cut -d' ' -f1)
		[ "$v" = BLACKLISTED ] && break
		sleep 0.1
	done
	t1=$(now)
	echo "RESULT time to block #$k: $(secs "$t0" "$t1") s from publication to BLACKLISTED ($v; target <= 15 s," \
		"poll interval 5 s)"
done

echo "## 5. S13 at a paced 50k ECR/s, 2 connections, W=256: idle, then during a full $ROWS-row apply"
# osmo-eir on a second store that holds the feed's newest run (10M, applied before the load, untimed): the idle
# reference is the same store answering the same load; then a full list with 50k removed and 50k added is
# published without deltas and applied against it while the load runs (the nightly case: a full list
# replacing the one held), the sync at nice 19 and the idle I/O class as the systemd units run it
BENCH="$builddir/contrib/bench/osmo-eir-bench"
S13B_PORT=$(port)
"$EIR_DB" -l "$dir/s13" create >/dev/null
"$SYNC" -l "$dir/s13" -o op -k "$dir/feed.pub" -u "$URL" 2>&1 | tail -n 1 | sed 's/^/before the load: /'
sed -e "s/listen 127.0.0.1 $S13_PORT/listen 127.0.0.1 $S13B_PORT/" \
	-e "s/bind 127.0.0.1 $VTY_PORT/bind 127.0.0.1 $(port)/" \
	-e "s/set-all notice/set-all error/" "$dir/osmo-eir.cfg" > "$dir/osmo-eir-s13.cfg"
"$EIR" -c "$dir/osmo-eir-s13.cfg" -l "$dir/s13" > "$dir/osmo-eir-s13.log" 2>&1 &
pids+=($!)
sleep 1
# IMEIs: half on the lists, half not; some verdicts change during the apply, so unchecked
awk -v n="$ROWS" 'BEGIN { srand(1); for (i = 0; i < 200000; i++)
	printf "%.0f,,\n", i % 2 ? 35000000000000 + int(rand() * n) * 7 : 35000000000000 + int(rand() * n * 7) }' \
	> "$dir/ecr-imeis.csv"
# the first pass over the held lists warms osmo-eir's map (not reported)
"$BENCH" -p "$S13B_PORT" -c 2 -w 256 -d 3 -r 50000 -i "$dir/ecr-imeis.csv" > /dev/null 2>&1 || true
# long enough to cover the whole apply and its commit (a diff against the held lists, niced): twice step 2's
dur=$(awk -v s="$s2" 'BEGIN { printf "%d", 2 * s + 4 }')
idle=$("$BENCH" -p "$S13B_PORT" -c 2 -w 256 -d "$dur" -r 50000 -i "$dir/ecr-imeis.csv" 2>&1 | tail -n 1)
echo "idle:         $idle"
"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --no-deltas --blacklist "$dir/in/bl2.csv" $OPL >/dev/null
"$BENCH" -p "$S13B_PORT" -c 2 -w 256 -d "$dur" -r 50000 -i "$dir/ecr-imeis.csv" > "$dir/during.out" 2>&1 &
bpid=$!
sleep 1
t0=$(now)
nice -n 19 ionice -c 3 "$SYNC" -l "$dir/s13" -o op -k "$dir/feed.pub" -u "$URL" 2>&1 | tail -n 1
t1=$(now)
wait $bpid || true
during=$(tail -n 1 "$dir/during.out")
echo "during apply: $during (the apply took $(secs "$t0" "$t1") s of the ${dur} s)"
p99() { echo "$1" | sed -n 's/.* p99=\([0-9]*\)us.*/\1/p'; }
lost() { echo "$1" | sed -n 's/.* error=\([0-9]*\) missing=\([0-9]*\).*/\1 errors, \2 missing/p'; }
echo "RESULT S13 at 50k/s during a full apply: $(lost "$during"); p99 $(p99 "$during") us against $(p99 "$idle") us" \
	"idle: $(ratio "$(p99 "$during")" "$(p99 "$idle")") x (target: none lost, <= 2 x)"
