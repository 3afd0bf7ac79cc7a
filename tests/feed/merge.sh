#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-feed publish in bounded memory: the same two runs (20k-row lists with duplicate keys, 15-digit forms,
# invalid IMEIs, CRLF) published with the default budget (sorted in memory) and with --mem-budget 4k (hundreds of
# runs spilled and merged on two levels) give the same files byte for byte; the temporary files are gone after a
# publish and after a failed one; a bad --mem-budget or --tmp is refused before anything is written.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

feed_prereqs
GEN="$top_srcdir/tests/feed/feed_rows.py"
ROWS=20000

python3 "$GEN" --rows $ROWS --run 1 --out "$T/r1" --quirks --crlf &&
python3 "$GEN" --rows $ROWS --run 2 --out "$T/r2" --quirks --delta 600 ||
	{ echo "# cannot generate the lists"; exit 1; }
mkdir -p "$T/tmp"

# pub FEED RUN [options]: publish run RUN's lists into $T/FEED; output in $T/FEED-RUN.out, exit code in $rc
pub() {
	f=$1 r=$2
	shift 2
	rc=0
	"$EIR_FEED" -d "$T/$f" -k "$T/feed.key" publish "$@" --blacklist "$T/r$r/bl.csv" \
		--notifications "$OP=$T/r$r/notif.csv" --exceptions "$OP=$T/r$r/exc.csv" > "$T/$f-$r.out" 2>&1 || rc=$?
}
# run_files FEED RUN: the files of that run in RUNS, one a line
run_files() {
	awk -v r="$2" '$1 == r { for (i = 4; i <= NF; i++) print $i }' "$T/$1/RUNS"
}
# same FEED_A FEED_B RUN: the run's files of both feeds (names without their date) hold the same bytes
same() {
	run_files "$1" "$3" | sed 's/^[0-9]\{8\}_[0-9]\{6\}_//' > "$T/names-a"
	run_files "$2" "$3" | sed 's/^[0-9]\{8\}_[0-9]\{6\}_//' > "$T/names-b"
	cmp -s "$T/names-a" "$T/names-b" || { echo "# file names differ:"; diff "$T/names-a" "$T/names-b"; return 1; }
	for fa in $(run_files "$1" "$3"); do
		fb=$(run_files "$2" "$3" | grep -F -- "_${fa#*_*_}")
		cmp "$T/$1/$fa" "$T/$2/$fb" || return 1
	done
}
# tmp_empty: nothing left in the --tmp directory, nor sort files in the state directory
tmp_empty() {
	[ -z "$(ls -A "$T/tmp")" ] && ! ls -A "$T/mem/.osmo-eir-feed" "$T/disk/.osmo-eir-feed" | grep -q sort
}

pub mem 1
check "run 1, in memory: published" [ $rc -eq 0 ]
pub disk 1 --mem-budget 4k --tmp "$T/tmp"
check "run 1, 4k budget: published" [ $rc -eq 0 ]
pub mem 2
check "run 2, in memory: published" [ $rc -eq 0 ]
check "run 2, in memory: nothing spilled" sh -c "! grep -q 'runs on disk' '$T/mem-2.out'"
pub disk 2 --mem-budget 4k --tmp "$T/tmp"
check "run 2, 4k budget: published" [ $rc -eq 0 ]
sed 's/^/#   /' "$T/disk-2.out"
check "run 2, 4k budget: the blacklists were sorted in hundreds of runs on disk" \
	grep -Eq "r2/bl.csv: sorted in [0-9]{3,} runs on disk \(memory budget 4096 bytes\)" "$T/disk-2.out"
check "run 2: the same counts" sh -c "grep -v 'runs on disk\|^published' '$T/mem-2.out' > '$T/c-mem' &&
	grep -v 'runs on disk\|^published' '$T/disk-2.out' > '$T/c-disk' && cmp '$T/c-mem' '$T/c-disk'"
N='[1-9][0-9]*'
check "run 2: every kind of delta made" sh -c "grep -q 'blacklist: $N added, $N changed, $N removed' '$T/mem-2.out' &&
	grep -q 'exceptions $OP: [1-9][0-9]* added, 0 changed, [1-9][0-9]* removed' '$T/mem-2.out'"
check "run 1: the same files, byte for byte" same mem disk 1
check "run 2: the same full lists and deltas, byte for byte" same mem disk 2
check "the state for run 3 is the same" cmp "$T/mem/.osmo-eir-feed/blacklist.csv" "$T/disk/.osmo-eir-feed/blacklist.csv"
check "no temporary files left" tmp_empty

# the default temporary directory is the state directory
pub disk2 1 --mem-budget 4k && pub disk2 2 --mem-budget 4k
check "default --tmp: published, spilled" grep -q "runs on disk" "$T/disk2-2.out"
check "default --tmp: the same deltas" same mem disk2 2
check "default --tmp: no temporary files left" sh -c "! ls -A '$T/disk2/.osmo-eir-feed' | grep -vq '^[a-z_0-9]*\.csv$'"

# failures: the exact message, exit 1, the feed as it was, no temporary files
cp "$T/disk/RUNS" "$T/runs-before"
# refused FEED DESCRIPTION MESSAGE [options]: run 2 again, refused with MESSAGE, RUNS unchanged
refused() {
	f=$1 d=$2 msg=$3
	shift 3
	pub "$f" 2 "$@"
	check "$d: exit 1 ($rc)" [ $rc -eq 1 ]
	grep -qxF "$msg" "$T/$f-2.out" && ok "$d: says '$msg'" ||
		{ not_ok "$d: says '$msg'"; sed 's/^/#   /' "$T/$f-2.out"; }
	check "$d: RUNS unchanged" cmp -s "$T/runs-before" "$T/$f/RUNS"
	check "$d: no temporary files left" tmp_empty
}
refused disk "--mem-budget 0" "osmo-eir-feed: invalid --mem-budget '0': a size in bytes (k, M or G), at least 4k" \
	--mem-budget 0
refused disk "--mem-budget 12X" "osmo-eir-feed: invalid --mem-budget '12X': a size in bytes (k, M or G), at least 4k" \
	--mem-budget 12X
refused disk "--tmp missing" "osmo-eir-feed: --tmp $T/nope: No such file or directory" --tmp "$T/nope"
refused disk "--tmp a file" "osmo-eir-feed: --tmp $T/r1/bl.csv: not a directory" --tmp "$T/r1/bl.csv"
# a broken row half-way through the new blacklist, found while its runs are spilled
cp "$T/r2/bl.csv" "$T/bl-good.csv"
head -n 12000 "$T/bl-good.csv" > "$T/r2/bl.csv"
printf '35000000000099,20261101,"unterminated\n' >> "$T/r2/bl.csv"
pub disk 2 --mem-budget 4k --tmp "$T/tmp"
check "a broken row under a 4k budget: exit 1 ($rc)" [ $rc -eq 1 ]
grep -q "^osmo-eir-feed: $T/r2/bl.csv: .*line 12001" "$T/disk-2.out" && ok "a broken row: says where" ||
	{ not_ok "a broken row: says where"; sed 's/^/#   /' "$T/disk-2.out"; }
check "a broken row: RUNS unchanged" cmp -s "$T/runs-before" "$T/disk/RUNS"
check "a broken row: no temporary files left" tmp_empty
cp "$T/bl-good.csv" "$T/r2/bl.csv"

# kill -9 half-way through the sort: its runs are open in --tmp but never linked there, so nothing is left
python3 "$GEN" --rows 200000 --run 1 --out "$T/r3" || { echo "# cannot generate the lists"; exit 1; }
"$EIR_FEED" -d "$T/disk" -k "$T/feed.key" publish --mem-budget 4k --tmp "$T/tmp" --blacklist "$T/r3/bl.csv" \
	--notifications "$OP=$T/r3/notif.csv" --exceptions "$OP=$T/r3/exc.csv" > "$T/kill.out" 2>&1 &
pid=$!
seen=""
i=0
while [ $i -lt 1000 ] && [ -z "$seen" ] && kill -0 $pid 2>/dev/null; do
	seen=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -F "$T/tmp/" | head -1 | sed 's/.* -> //')
	[ -n "$seen" ] || sleep 0.01
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "kill -9 during the sort: a run was open in --tmp, already unlinked ($seen)" \
	sh -c "echo '$seen' | grep -q '^$T/tmp/.*(deleted)\$'"
check "kill -9: RUNS unchanged" cmp -s "$T/runs-before" "$T/disk/RUNS"
check "kill -9: nothing left in --tmp" tmp_empty
finish
