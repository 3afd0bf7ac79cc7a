#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fault injection: kill -9 osmo-eir-db at 20+ random points of a 1M-row import. After each kill the store
# must hold exactly the previous state or the new one (never part of the import), stay readable, and the
# next import must complete.
set -u
. "$top_srcdir/tests/lib.sh"

ROWS=${ROWS:-1000000}
KILLS=${KILLS:-24}

# the previous state: 1000 black entries in another TAC
awk 'BEGIN { print "imei,list,reason"; for (i = 0; i < 1000; i++) printf "%.0f,black,old\n", 86000000000000 + i }' \
	> "$T/old.csv"
# the new import: ROWS sorted grey entries
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"; for (i = 0; i < n; i++) printf "%.0f,grey,new %d\n", 35000000000000 + i * 3, i % 7 }' \
	> "$T/big.csv"

fresh() {
	rm -rf "$T/db"
	"$EIR_DB" -l "$T/db" create >/dev/null 2>&1 && "$EIR_DB" -l "$T/db" import "$T/old.csv" >/dev/null 2>&1
}

count() {
	"$EIR_DB" -l "$T/db" export entries - 2>/dev/null | tail -n +2 | wc -l
}

check "previous state loads" fresh
old=$(count)
check "previous state has 1000 entries ($old)" [ "$old" -eq 1000 ]

# how long a whole import takes here, to spread the kill points over it
start=$(date +%s%N)
"$EIR_DB" -l "$T/db" import "$T/big.csv" >/dev/null 2>&1
rc=$?
dur_ms=$((($(date +%s%N) - start) / 1000000))
new=$(count)
check "a whole import completes (exit $rc, $dur_ms ms)" [ "$rc" -eq 0 ]
check "new state has $((ROWS + 1000)) entries ($new)" [ "$new" -eq $((ROWS + 1000)) ]

n_old=0
n_new=0
n_bad=0
i=0
while [ $i -lt "$KILLS" ]; do
	i=$((i + 1))
	fresh || { not_ok "reset before kill $i"; continue; }
	# kill points spread from 0 to 130% of the measured duration (reading, writing, commit, after)
	at=$(awk -v s="$i" -v d="$dur_ms" 'BEGIN { srand(s * 7919); printf "%d", rand() * d * 1.3 }')
	"$EIR_DB" -l "$T/db" import "$T/big.csv" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v ms="$at" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	c=$(count)
	if [ "$c" -eq 1000 ]; then
		n_old=$((n_old + 1))
	elif [ "$c" -eq $((ROWS + 1000)) ]; then
		n_new=$((n_new + 1))
	else
		n_bad=$((n_bad + 1))
		echo "# kill $i at ${at} ms: store holds $c entries"
	fi
	v=$("$EIR_DB" -l "$T/db" lookup 86000000000005 2>&1 | cut -d' ' -f1)
	[ "$v" = BLACKLISTED ] || { n_bad=$((n_bad + 1)); echo "# kill $i: lookup after kill says '$v'"; }
done
echo "# $KILLS kills: $n_old left the previous state, $n_new the new one"
check "every kill left exactly the previous or the new state ($n_bad bad)" [ "$n_bad" -eq 0 ]

# the next import after a kill completes, and the store answers
fresh
"$EIR_DB" -l "$T/db" import "$T/big.csv" >/dev/null 2>&1 &
pid=$!
sleep "$(awk -v ms="$dur_ms" 'BEGIN { printf "%.3f", ms / 2000 }')"
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "an import after a kill completes" "$EIR_DB" -l "$T/db" import "$T/big.csv"
c=$(count)
check "and leaves the new state ($c entries)" [ "$c" -eq $((ROWS + 1000)) ]
v=$("$EIR_DB" -l "$T/db" lookup 35000000000003 2>&1 | cut -d' ' -f1)
check "an imported IMEI answers GREYLISTED ($v)" [ "$v" = GREYLISTED ]
finish
