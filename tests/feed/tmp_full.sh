#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-feed publish whose --tmp fills up (a 1 MB tmpfs; the sorted runs of two 20k-row lists under a 4k
# budget need ~1.6 MB): exit 1 with the disk's error, the feed's RUNS and SHA256SUMS as they were, the tmpfs empty
# again; the same publish with room succeeds. Needs root (mount); SKIP otherwise.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

feed_prereqs
[ "$(id -u)" -eq 0 ] || { echo "# SKIP: mounting a small tmpfs needs root"; exit 77; }
SMALL="$T/small"
mkdir -p "$SMALL" "$T/www"
mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>/dev/null || { echo "# SKIP: cannot mount a tmpfs here"; exit 77; }
trap 'umount "$SMALL"; rm -rf "$T"' EXIT
GEN="$top_srcdir/tests/feed/feed_rows.py"
python3 "$GEN" --rows 20000 --run 1 --out "$T/r1" && python3 "$GEN" --rows 20000 --run 2 --out "$T/r2" ||
	{ echo "# cannot generate the lists"; exit 1; }

# pub RUN [options]: publish run RUN's lists into $T/www/feed; output in $T/pub.out, exit code in $rc
pub() {
	r=$1
	shift
	rc=0
	"$EIR_FEED" -d "$T/www/feed" -k "$T/feed.key" publish "$@" --blacklist "$T/r$r/bl.csv" \
		--notifications "$OP=$T/r$r/notif.csv" --exceptions "$OP=$T/r$r/exc.csv" > "$T/pub.out" 2>&1 || rc=$?
}
pub 1
check "run 1 published" [ $rc -eq 0 ]
cp "$T/www/feed/RUNS" "$T/runs-before"
cp "$T/www/feed/SHA256SUMS" "$T/sums-before"
pub 2 --mem-budget 4k --tmp "$SMALL"
check "tmp full: exit 1 ($rc)" [ $rc -eq 1 ]
# (the new list's runs fit: it is the previous one, kept in the state directory, that fills the disk)
msg="osmo-eir-feed: cannot sort $T/www/feed/.osmo-eir-feed/blacklist.csv: cannot write a temporary file in"
msg="$msg $SMALL: No space left on device"
if grep -qxF "$msg" "$T/pub.out"; then
	ok "tmp full: says '$msg'"
else
	not_ok "tmp full: the message"
	sed 's/^/#   /' "$T/pub.out"
fi
check "tmp full: RUNS unchanged" cmp -s "$T/runs-before" "$T/www/feed/RUNS"
check "tmp full: SHA256SUMS unchanged" cmp -s "$T/sums-before" "$T/www/feed/SHA256SUMS"
check "tmp full: the tmpfs is empty again" [ -z "$(ls -A "$SMALL")" ]
check "tmp full: the space is back" [ "$(df -Pk "$SMALL" | awk 'NR == 2 { print $3 }')" -eq 0 ]
pub 2 --mem-budget 4k
check "with room: published ($rc)" [ $rc -eq 0 ] && grep -q "published run 2 " "$T/pub.out"
finish
