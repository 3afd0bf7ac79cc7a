#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fault injection: kill -9 osmo-eir-sync at 20+ random points of a 1M-row sync from nginx (download, parsing,
# writing, commit). After each kill the national lists must be exactly the previous run or the new one, with the
# matching run id, and the next sync must complete.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

ROWS=${ROWS:-1000000}
KILLS=${KILLS:-24}
command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
feed_key || exit 1
nginx_start
case $? in 0) ;; 77) exit 77 ;; *) exit 1 ;; esac

# run 1: 1000 IMEIs in one TAC; run 2: ROWS others (a full list: 1000 removed, ROWS added; all of run 1 removed,
# so the safety limit is lifted)
awk 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < 1000; i++) printf "%.0f,20261101,old\n", 86000000000000 + i }' > "$T/old.csv"
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261102,new %d\n", 35000000000000 + i * 3, i % 7 }' > "$T/new.csv"
publish --blacklist "$T/old.csv" $(op_lists) || exit 1
"$EIR_DB" -l "$T/base" create >/dev/null
feed_sync "$T/base" -u "$HTTP_URL"
check "run 1 applied ($rc)" [ $rc -eq 0 ]
publish --no-deltas --blacklist "$T/new.csv" $(op_lists) || exit 1

# state STORE: "<run> <national IMEI entries>"
state() {
	"$EIR_DB" -l "$1" stats 2>/dev/null | awk '/^national:/ { nat = 1 } nat && $1 == "imei" { n = $2 }
		nat && $1 == "feed" && $3 == "run" { run = $4 } END { print run, n }'
}
check "previous state: run 1, 1000 entries ($(state "$T/base"))" [ "$(state "$T/base")" = "1 1000" ]

rm -rf "$T/db" && cp -a "$T/base" "$T/db"
start=$(date +%s%N)
feed_sync "$T/db" -u "$HTTP_URL" --removal-limit 100
dur_ms=$((($(date +%s%N) - start) / 1000000))
check "a whole sync completes (exit $rc, $dur_ms ms)" [ $rc -eq 0 ]
check "new state: run 2, $ROWS entries ($(state "$T/db"))" [ "$(state "$T/db")" = "2 $ROWS" ]

n_old=0
n_new=0
n_bad=0
i=0
while [ $i -lt "$KILLS" ]; do
	i=$((i + 1))
	rm -rf "$T/db" && cp -a "$T/base" "$T/db"
	# kill points spread from 0 to 120 % of the measured duration
	at=$(awk -v s="$i" -v d="$dur_ms" 'BEGIN { srand(s * 7919); printf "%d", rand() * d * 1.2 }')
	"$EIR_SYNC" -l "$T/db" -o $OP -k "$T/feed.pub" -u "$HTTP_URL" --removal-limit 100 >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v ms="$at" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	s=$(state "$T/db")
	case $s in
	"1 1000") n_old=$((n_old + 1)) ;;
	"2 $ROWS") n_new=$((n_new + 1)) ;;
	*)
		n_bad=$((n_bad + 1))
		echo "# kill $i at $at ms: the store holds '$s'"
		;;
	esac
	v=$(verdict "$T/db" 86000000000005)
	w=$(verdict "$T/db" 35000000000003)
	case "$s/$v/$w" in
	"1 1000/BLACKLISTED/WHITELISTED" | "2 $ROWS/WHITELISTED/BLACKLISTED") ;;
	*)
		n_bad=$((n_bad + 1))
		echo "# kill $i at $at ms: state '$s' but verdicts $v $w"
		;;
	esac
	# and the next sync completes
	if [ $i -le 4 ]; then
		feed_sync "$T/db" -u "$HTTP_URL" --removal-limit 100
		[ $rc -eq 0 ] && [ "$(state "$T/db")" = "2 $ROWS" ] ||
			{ n_bad=$((n_bad + 1)); echo "# kill $i: the next sync exit $rc, state '$(state "$T/db")'"; }
	fi
done
echo "# $KILLS kills: $n_old left the previous run, $n_new the new one"
check "every kill left exactly the previous or the new run ($n_bad bad)" [ "$n_bad" -eq 0 ]
feed_sync "$T/db" -u "$HTTP_URL" --removal-limit 100
check "the sync after the last kill completes ($rc, $(state "$T/db"))" [ "$rc $(state "$T/db")" = "0 2 $ROWS" ]
check "no working directory is left behind after it" [ -z "$(ls -d "$T"/db/sync-tmp.* 2>/dev/null)" ]
finish
