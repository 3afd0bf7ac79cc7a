#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-feed → nginx (HTTP and HTTPS, certificate made here) → osmo-eir-sync → the store: a first full sync,
# a chain of deltas (zipped and plain), an unchanged feed (one conditional request, no write), a gap that falls
# back to the full lists, CRLF and quoted fields, invalid IMEIs skipped and counted, operator ids with
# underscores, and every refusal (each with its exit code, the lists answering exactly as before).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
feed_key || { echo "# cannot make a feed key"; exit 1; }
nginx_start
case $? in 0) ;; 77) exit 77 ;; *) exit 1 ;; esac

A=35000000000011 B=35000000000022 C=35000000000033 D=35000000000044 N=35000000000055 X=001010000000077
mkdir -p "$T/in"
# run 1: CRLF line ends, quoted fields (a comma, doubled quotes), two invalid IMEIs, a 15-digit IMEI
printf 'imei,block_date,reasons\r\n%s,20261101,"Stolen, ref 1"\r\n%s,20261102,"He said ""stop"", twice"\r\n' \
	$A $B > "$T/in/bl1.csv"
printf '%s,20261103,Lost\r\n12345,20261104,Too short\r\nABCDEF0123456789,20261105,Not digits\r\n' \
	"${C}0" >> "$T/in/bl1.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,001010000000001,447700900001,20261201,Duplicate IMEI\n' $N \
	> "$T/in/notif1.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,001010000000002,447700900002,20261201,Other operator\n' $D \
	> "$T/in/notif-other.csv"
printf 'imei,imsi,msisdn\n%s,%s,447700900003\n' $A $X > "$T/in/exc1.csv"

publish --blacklist "$T/in/bl1.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv" \
	--notifications "operator=$T/in/notif-other.csv"
check "run 1 published" grep -q "published run 1 " "$T/publish.out"
S1="$T/s1"
"$EIR_DB" -l "$S1" create >/dev/null

# --- the config file (src/core/cfgfile.c, shared with osmo-eir-push): a bad line says where ---
printf 'url %s # the feed\n\nfrobnicate 1\n' "$HTTP_URL" > "$T/bad.cfg"
rc=0
"$EIR_SYNC" -c "$T/bad.cfg" -l "$S1" -o $OP > "$T/sync.out" 2>&1 || rc=$?
check "an unknown setting in the config file: exit 1 ($rc)" [ $rc -eq 1 ]
said "  file and line" "^osmo-eir-sync: $T/bad.cfg:3: unknown setting 'frobnicate'$"
printf 'operator\n' > "$T/bad.cfg"
rc=0
"$EIR_SYNC" -c "$T/bad.cfg" -l "$S1" -u "$HTTP_URL" > "$T/sync.out" 2>&1 || rc=$?
check "a setting without its value: exit 1 ($rc)" [ $rc -eq 1 ]
said "  file and line" "^osmo-eir-sync: $T/bad.cfg:1: 'operator' needs a value$"
printf 'help\n' > "$T/bad.cfg"
rc=0
"$EIR_SYNC" -c "$T/bad.cfg" > "$T/sync.out" 2>&1 || rc=$?
check "help in the config file is no setting: exit 1 ($rc)" [ $rc -eq 1 ]
said "  file and line" "^osmo-eir-sync: $T/bad.cfg:1: unknown setting 'help'$"
printf 'poll 0\n' > "$T/bad.cfg"
rc=0
"$EIR_SYNC" -c "$T/bad.cfg" > "$T/sync.out" 2>&1 || rc=$?
check "a bad value in the config file: exit 1 ($rc)" [ $rc -eq 1 ]
said "  the value, then file and line" "^osmo-eir-sync: ($T/bad.cfg:1)$"

# --- no key: refused unless marked insecure ---
rc=0
"$EIR_SYNC" -l "$S1" -o $OP -u "$HTTP_URL" > "$T/sync.out" 2>&1 || rc=$?
check "no key configured: exit 1 ($rc)" [ $rc -eq 1 ]
said "no key configured: says so" "has no public key: --public-key FILE, or --insecure-no-signature"
"$EIR_DB" -l "$T/insecure" create >/dev/null
rc=0
"$EIR_SYNC" -l "$T/insecure" -o $OP -u "$HTTP_URL" --insecure-no-signature > "$T/sync.out" 2>&1 || rc=$?
check "marked insecure: exit 0 ($rc)" [ $rc -eq 0 ]
said "marked insecure: warns" "configured insecure: the index is NOT checked"

# --- first full sync over HTTP ---
feed_sync "$S1" -u "$HTTP_URL"
check "first sync: exit 0 ($rc)" [ $rc -eq 0 ]
said "first sync: summary" "run 1 (.*) applied from the full lists of run 1: 5 added, 0 removed, 0 changed, 2 skipped"
said "invalid IMEIs reported with their lines" "_blacklist.csv:5: invalid IMEI '12345'"
check "blacklisted IMEI" [ "$(verdict "$S1" $A)" = BLACKLISTED ]
check "15-digit IMEI in the list blacklists its 14-digit key" [ "$(verdict "$S1" $C)" = BLACKLISTED ]
check "quoted reason with a comma and quotes" lookup_has "$S1" $B 'reason "He said "stop", twice"'
check "exception pair whitelisted" [ "$(verdict "$S1" $A $X)" = WHITELISTED ]
check "notification greylists, whatever IMSI" [ "$(verdict "$S1" $N 001010000000099)" = GREYLISTED ]
check "operator_1 does not take operator's list" [ "$(verdict "$S1" $D)" = WHITELISTED ]
check "sync-status records the run" grep -q "^run_id 1$" "$S1/sync-status"
check "sync-status records success" grep -q "^exit_code 0$" "$S1/sync-status"
# when an entry was applied (osmo-eir-db lookup's why), and the feed's last apply (osmo-eir-db stats)
applied_of() { "$EIR_DB" -l "$1" lookup "$2" 2>&1 | head -1 | sed -n 's/.*, applied \([0-9-]* [0-9:]*\) UTC$/\1/p'; }
feed_applied() { "$EIR_DB" -l "$1" stats 2>&1 | sed -n 's/^  feed .*, applied \(.*\) UTC$/\1/p'; }
run1_at=$(feed_applied "$S1")
check "run 1: its entries were applied at the run's apply time ($run1_at)" \
	[ -n "$run1_at" -a "$(applied_of "$S1" $B)" = "$run1_at" ]
cp -a "$S1" "$T/s1-run1"
cp "$T/www/feed/SHA256SUMS" "$T/www/feed/SHA256SUMS.sig" "$T/www/feed/RUNS" "$T/in/"

# --- unchanged feed: one conditional request, no write ---
# Racy validators: an index modified in (or after) the second it is fetched in can still be rewritten to the
# same size in that second, keeping its Last-Modified and nginx's ETag; osmo-eir-sync keeps no validators then,
# and asks unconditionally next time. An index modified earlier costs one conditional request from then on.
touch -d "@$(( $(date +%s) + 30 ))" "$T/www/feed/SHA256SUMS"
feed_sync "$S1" -u "$HTTP_URL"
said "racy index: fetched, the run up to date" "up to date: run 1 .* held"
feed_sync "$S1" -u "$HTTP_URL"
said "racy index: fetched again, not trusted to a 304" "up to date: run 1 .* held"
touch -d "@$(( $(date +%s) - 60 ))" "$T/www/feed/SHA256SUMS"
feed_sync "$S1" -u "$HTTP_URL"
said "an index modified a minute ago: fetched once more (it changed), validators kept" "up to date: run 1 .* held"
before=$(wc -l < "$NGINX_LOG")
mtime=$(stat -c %Y.%s "$S1/national/data.mdb")
sleep 1
feed_sync "$S1" -u "$HTTP_URL"
check "unchanged: exit 0 ($rc)" [ $rc -eq 0 ]
said "unchanged: says so" "unchanged: the index was not modified, run 1 held"
reqs=$(tail -n +$((before + 1)) "$NGINX_LOG")
check "unchanged: one request ($(echo "$reqs" | wc -l))" [ "$(echo "$reqs" | wc -l)" -eq 1 ]
check "unchanged: it is a conditional GET of the index answered 304" \
	sh -c "echo '$reqs' | grep -q 'GET /feed/SHA256SUMS HTTP/1.1\" 304 '"
check "unchanged: the store was not written" [ "$(stat -c %Y.%s "$S1/national/data.mdb")" = "$mtime" ]

# --- a chain of deltas: run 2 zipped over HTTPS, run 3 plain through a redirect ---
blacklist "$T/in/bl2.csv" $B "${C}0" $D
publish --zip --blacklist "$T/in/bl2.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv"
check "run 2 published zipped" grep -q "published run 2 .*base 1" "$T/publish.out"
rc=0
"$EIR_SYNC" -l "$T/s1-run1" -o $OP -k "$T/feed.pub" -u "$HTTPS_URL" > "$T/sync.out" 2>&1 || rc=$?
check "https without the test CA: exit 2, TLS verification is on ($rc)" [ $rc -eq 2 ]
check "https without the test CA: the certificate is named" grep -qi "certificate" "$T/sync.out"
feed_sync "$S1" -u "$HTTPS_URL" --ca-file "$T/ca.pem"
check "run 2 (zipped) over https: exit 0 ($rc)" [ $rc -eq 0 ]
said "run 2: applied as deltas" "run 2 (.*) applied as deltas from run 1: 1 added, 1 removed, 2 changed, 2 skipped"
check "run 2: unblocked IMEI no longer blacklisted" [ "$(verdict "$S1" $A)" = WHITELISTED ]
check "run 2: blocked IMEI blacklisted" [ "$(verdict "$S1" $D)" = BLACKLISTED ]
check "run 2: changed reason" lookup_has "$S1" $B 'reason "Stolen, ref 1"'
run2_at=$(feed_applied "$S1")
check "run 2: the changed row keeps the time it was applied (run 1's)" [ "$(applied_of "$S1" $B)" = "$run1_at" ]
check "run 2: the added row has run 2's ($run2_at)" \
	[ "$(applied_of "$S1" $D)" = "$run2_at" -a "$run2_at" != "$run1_at" ]
blacklist "$T/in/bl3.csv" "${C}0" $D
publish --blacklist "$T/in/bl3.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv"
feed_sync "$S1" -u "http://127.0.0.1:$HTTP_PORT/moved/"
check "run 3 (plain) through a redirect: exit 0 ($rc)" [ $rc -eq 0 ]
said "run 3: deltas" "run 3 (.*) applied as deltas from run 2: 0 added, 1 removed, 2 changed"
check "run 3: B unblocked" [ "$(verdict "$S1" $B)" = WHITELISTED ]
cp -a "$T/s1-run1" "$T/s1-run1-again"
feed_sync "$T/s1-run1" -u "file://$T/www/feed/"
check "a chain of two runs over file://: exit 0 ($rc)" [ $rc -eq 0 ]
said "a chain of two runs: one summary from run 1" "run 3 (.*) applied as deltas from run 1:"
check "a chain of two runs: same verdicts" \
	[ "$(verdict "$T/s1-run1" $B)$(verdict "$T/s1-run1" $D)" = WHITELISTEDBLACKLISTED ]
cp "$T/www/feed/SHA256SUMS" "$T/www/feed/SHA256SUMS.sig" "$T/www/feed/RUNS" "$T/in/" 2>/dev/null
mkdir -p "$T/in/run3" && cp "$T/www/feed/SHA256SUMS" "$T/www/feed/SHA256SUMS.sig" "$T/www/feed/RUNS" "$T/in/run3/"

# --- a gap: the store holds run 1, the feed keeps only run 4 (base 3): its full lists ---
blacklist "$T/in/bl4.csv" "${C}0" $D $A
publish --blacklist "$T/in/bl4.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv"
"$EIR_FEED" -d "$T/www/feed" -k "$T/feed.key" prune 1 > /dev/null
check "pruned to run 4" [ "$(cut -d' ' -f1 "$T/www/feed/RUNS")" = 4 ]
feed_sync "$T/s1-run1-again" -u "$HTTP_URL"
check "gap: exit 0 ($rc)" [ $rc -eq 0 ]
said "gap: falls back to the full lists of run 4" \
	"run 4 (.*) applied from the full lists of run 4: 1 added, 1 removed, 2 changed"
check "gap: A blacklisted again" [ "$(verdict "$T/s1-run1-again" $A)" = BLACKLISTED ]
check "gap: B no longer" [ "$(verdict "$T/s1-run1-again" $B)" = WHITELISTED ]
feed_sync "$S1" -u "$HTTP_URL"
check "S1 to run 4: exit 0 ($rc)" [ $rc -eq 0 ]

# --- refusals: the exit code, the message, the lists answering exactly as before, the attempt recorded ---
snapshot() {
	for q in $A $B "${C}0" $D "$A $X" "$N 001010000000001"; do
		# shellcheck disable=SC2086
		"$EIR_DB" -l "$S1" lookup $q 2>&1 | head -1
	done
	held "$S1"
}
"$EIR_DB" -l "$S1" stats > /dev/null 2>&1
snapshot > "$T/snap.before"
# refused CODE WHAT PATTERN: the last sync refused with CODE, said PATTERN, and changed nothing
refused() {
	check "$2: exit $1 ($rc)" [ $rc -eq "$1" ]
	said "$2: says why" "refused (exit $1): $3"
	snapshot > "$T/snap.after"
	check "$2: the lists answer as before" cmp -s "$T/snap.before" "$T/snap.after"
	check "$2: the attempt is recorded" grep -q "^exit_code $1$" "$S1/sync-status"
}
save_feed() { mkdir -p "$T/saved" && cp -a "$T/www/feed/." "$T/saved/"; }
restore_feed() { rm -rf "$T/www/feed" && cp -a "$T/saved" "$T/www/feed"; }

blacklist "$T/in/bl5.csv" $B $D
publish --blacklist "$T/in/bl5.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv"
save_feed
head -c 64 /dev/zero > "$T/www/feed/SHA256SUMS.sig"
feed_sync "$S1" -u "$HTTP_URL"
refused 4 "bad signature" "SHA256SUMS: bad signature"
rm "$T/www/feed/SHA256SUMS.sig"
feed_sync "$S1" -u "$HTTP_URL"
refused 4 "missing signature" "no usable signature: .*HTTP status 404"
restore_feed
other_key="$T/other.pub"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out "$other_key" 2>/dev/null
feed_sync "$S1" -u "$HTTP_URL" -k "$other_key"
refused 4 "another feed's key" "SHA256SUMS: bad signature"
f5=$(ls "$T"/www/feed/*_blacklist_delta_4_5_*.csv | tail -1)
head -c 20 "$f5" > "$f5.cut" && mv "$f5.cut" "$f5"
feed_sync "$S1" -u "$HTTP_URL"
refused 5 "truncated list" ".*_blacklist_delta_4_5_.*.csv: SHA-256 .*, SHA256SUMS says .* (truncated or altered)"
restore_feed
# a garbled list whose hash and signature are right (the publisher's own mistake): the index re-signed here
printf 'imei,block_date,reasons\n%s,20261101,"never closed\n' $A > "$f5"
name5=$(basename "$f5")
{ grep -v "  $name5\$" "$T/saved/SHA256SUMS"; (cd "$T/www/feed" && sha256sum "$name5"); } > "$T/www/feed/SHA256SUMS"
openssl pkeyutl -sign -rawin -inkey "$T/feed.key" -in "$T/www/feed/SHA256SUMS" -out "$T/www/feed/SHA256SUMS.sig"
feed_sync "$S1" -u "$HTTP_URL"
refused 6 "garbled list" "$name5"
restore_feed
printf '%s  RUNS\n' "$(printf 'x%.0s' $(seq 64))" > "$T/www/feed/SHA256SUMS"
openssl pkeyutl -sign -rawin -inkey "$T/feed.key" -in "$T/www/feed/SHA256SUMS" -out "$T/www/feed/SHA256SUMS.sig"
feed_sync "$S1" -u "$HTTP_URL"
refused 6 "garbled index" "SHA256SUMS: line 1"
restore_feed
cp "$T/in/run3/"* "$T/www/feed/"
feed_sync "$S1" -u "$HTTP_URL"
refused 7 "replayed older index" "the feed's newest run 3 .* is older than run 4 held"
restore_feed
feed_sync "$S1" -u "http://127.0.0.1:$HTTP_PORT/nowhere/"
refused 2 "HTTP error" "http://127.0.0.1:$HTTP_PORT/nowhere/SHA256SUMS: HTTP status 404"
# a server that accepts and never answers
SILENT_PORT=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); c=s.accept(); time.sleep(30)' "$SILENT_PORT" &
silent=$!
i=0
while ! python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$SILENT_PORT" \
	2>/dev/null && [ $i -lt 50 ]; do
	i=$((i + 1))
	sleep 0.1
done
rc=0
"$EIR_SYNC" -l "$S1" -o $OP -k "$T/feed.pub" -u "http://127.0.0.1:$SILENT_PORT/feed/" --timeout 1 \
	> "$T/sync.out" 2>&1 || rc=$?
kill $silent 2>/dev/null
wait $silent 2>/dev/null
refused 3 "timeout" "http://127.0.0.1:$SILENT_PORT/feed/SHA256SUMS: timed out"

# the map full at its limit: 60000 rows do not fit in 1 MiB
mkdir -p "$T/www/big"
awk 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < 60000; i++) printf "%.0f,20261101,Stolen\n", 36000000000000 + i * 7 }' \
	> "$T/in/big.csv"
"$EIR_FEED" -d "$T/www/big" -k "$T/feed.key" publish --blacklist "$T/in/big.csv" $(op_lists) > /dev/null
feed_sync "$S1" -u "http://127.0.0.1:$HTTP_PORT/big/" -n big -m 1 --map-max 1
refused 9 "map full" ".*map is full at its limit"

# the disk full (a 64 KiB tmpfs for the downloads; needs the right to mount)
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
	feed_sync "$S1" -u "http://127.0.0.1:$HTTP_PORT/big/" -n big --tmp-dir "$T/small"
	umount "$T/small"
	refused 9 "disk full" "cannot write .*No space left on device"
else
	echo "# disk full: not tested here (cannot mount a tmpfs)"
fi

# a gap with no full lists: runs 6 and 7 as deltas only, then only run 7 kept
cp -a "$T/s1-run1" "$T/s1-gap" 2>/dev/null
for l in bl4 bl5; do
	publish --no-full-lists --blacklist "$T/in/$l.csv" --notifications "$OP=$T/in/notif1.csv" \
		--exceptions "$OP=$T/in/exc1.csv"
done
"$EIR_FEED" -d "$T/www/feed" -k "$T/feed.key" prune --no-keep-full 1 > /dev/null
feed_sync "$S1" -u "$HTTP_URL"
refused 8 "chain gap with no full lists" "no delta chain from run 4 to run 7 and no full lists to fall back on"

# the next sync after all this completes
restore_feed
feed_sync "$S1" -u "$HTTP_URL"
check "after the refusals, the next sync completes ($rc)" [ $rc -eq 0 ]
said "and applies run 5" "run 5 (.*) applied as deltas from run 4"

# --- another writer of the national lists (the lock held here with flock(1), as osmo-eir-sync holds it) ---
if command -v flock >/dev/null; then
	snapshot > "$T/snap.before"
	# the subshell takes the lock on its own descriptor and becomes the sleep: killing it releases the lock
	(exec 9>>"$S1/national/writer.lock" && flock 9 && exec sleep 30) &
	holder=$!
	i=0
	while flock -n "$S1/national/writer.lock" true && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	feed_sync "$S1" -u "$HTTP_URL"
	kill $holder 2>/dev/null
	wait $holder 2>/dev/null
	refused 11 "another writer" "the national lists are locked by"
else
	echo "# another writer: not tested (no flock(1))"
fi

# --- a garbled zip whose hash and signature are right ---
"$EIR_FEED" -d "$T/www/zfeed" -k "$T/feed.key" publish --zip --blacklist "$T/in/bl5.csv" > /dev/null
zname=$(cd "$T/www/zfeed" && ls ./*_blacklist.zip | cut -c3-)
head -c 100 "$T/www/zfeed/$zname" > "$T/z" && cat "$T/z" "$T/z" > "$T/www/zfeed/$zname"
{ grep -v "  $zname\$" "$T/www/zfeed/SHA256SUMS"; (cd "$T/www/zfeed" && sha256sum "$zname"); } > "$T/sums"
mv "$T/sums" "$T/www/zfeed/SHA256SUMS"
openssl pkeyutl -sign -rawin -inkey "$T/feed.key" -in "$T/www/zfeed/SHA256SUMS" -out "$T/www/zfeed/SHA256SUMS.sig"
"$EIR_DB" -l "$T/zs" create >/dev/null
feed_sync "$T/zs" -u "http://127.0.0.1:$HTTP_PORT/zfeed/"
check "garbled zip: exit 6 ($rc)" [ $rc -eq 6 ]
said "garbled zip: says why" "refused (exit 6): $zname: not a readable zip file"
check "garbled zip: nothing applied" [ "$(held "$T/zs")" = "  feed: never synced" ]

# --- notifications with DIRBS's amnesty column: stored, not used in the verdict ---
printf 'imei,imsi,msisdn,block_date,reasons,amnesty_granted\n%s,001010000000001,,20261201,Duplicate IMEI,True\n' $N \
	> "$T/in/notif-amnesty.csv"
"$EIR_FEED" -d "$T/www/afeed" -k "$T/feed.key" publish --blacklist "$T/in/bl5.csv" \
	--notifications "$OP=$T/in/notif-amnesty.csv" --exceptions "$OP=$T/in/exc1.csv" > /dev/null
"$EIR_DB" -l "$T/as" create >/dev/null
feed_sync "$T/as" -u "http://127.0.0.1:$HTTP_PORT/afeed/"
check "amnesty column: exit 0 ($rc)" [ $rc -eq 0 ]
check "amnesty column: still GREYLISTED" [ "$(verdict "$T/as" $N)" = GREYLISTED ]
check "amnesty column: the notification row is stored" \
	sh -c "'$EIR_DB' -l '$T/as' stats | grep -A8 '^national:' | grep -q '^  notif  *1 entries'"

# --- poll mode: a newly published run is taken in without a restart; SIGTERM ends it cleanly ---
"$EIR_SYNC" -l "$S1" -o $OP -k "$T/feed.pub" -u "$HTTP_URL" --poll 1 > "$T/poll.out" 2>&1 &
poller=$!
blacklist "$T/in/bl6.csv" $A $B $D
publish --blacklist "$T/in/bl6.csv" --notifications "$OP=$T/in/notif1.csv" --exceptions "$OP=$T/in/exc1.csv"
i=0
while [ "$(verdict "$S1" $A)" != BLACKLISTED ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
check "poll mode: the new run is applied ($(held "$S1"))" [ "$(verdict "$S1" $A)" = BLACKLISTED ]
# then: one unconditional fetch (the index was racy), then conditional ones answered 304
i=0
while ! grep -q "unchanged: the index was not modified" "$T/poll.out" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -TERM $poller
rc=0
wait $poller || rc=$?
check "poll mode: SIGTERM ends it with exit 0 ($rc)" [ $rc -eq 0 ]
check "poll mode: it said it polls" grep -q "polling feed 'national' at $HTTP_URL every 1 s" "$T/poll.out"
check "poll mode: unchanged polls say so" grep -q "unchanged: the index was not modified" "$T/poll.out"
finish
