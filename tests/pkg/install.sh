#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The Debian packages, as an operator gets them (`make check-install`, the last step of contrib/test.sh): built
# with dpkg-buildpackage from the `make dist` tarball in a scratch directory, checked by lintian, installed
# with dpkg -i (a policy-rc.d keeps services from starting on this machine), then the installed osmo-eir
# started with its unit's ExecStart as osmocom, on ports of its own, asked over S13 and N5g-eir after one sync
# of a local feed as osmocom; then removed (the store stays) and purged (the store goes). The manual's
# chapter 10 runs the same commands. Needs root, dpkg-buildpackage, debhelper and lintian (else SKIP); an
# osmo-eir already installed on this machine is never touched (SKIP). Cleans up after itself, failed or not.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/pkg/lib-pkg.sh"

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i)"
for t in dpkg-buildpackage dh lintian fakeroot systemd-analyze curl openssl runuser setpriv mdb_copy; do
	command -v "$t" >/dev/null || skip "no $t (contrib/install-deps.sh installs it)"
done
PKGS="osmo-eir osmo-eir-sync osmo-eir-utils"
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed\|config-files'; then
		skip "$p is installed on this machine: this test does not touch an operator's osmo-eir"
	fi
done
[ -e /var/lib/osmocom/osmo-eir ] && skip "/var/lib/osmocom/osmo-eir exists: not ours to delete"

# one install test at a time on this machine (other worktrees' CI runs)
exec 9>/run/lock/osmo-eir-install-test.lock
flock -w 600 9 || skip "another install test holds /run/lock/osmo-eir-install-test.lock"

user_existed=no
getent passwd osmocom >/dev/null && user_existed=yes
group_existed=no
getent group osmocom >/dev/null && group_existed=yes
varlib_existed=no
[ -d /var/lib/osmocom ] && varlib_existed=yes
etc_existed=no
[ -d /etc/osmocom ] && etc_existed=yes
policy=/usr/sbin/policy-rc.d
policy_saved=
EIR_PID=

cleanup() {
	[ -n "$EIR_PID" ] && kill -TERM "$EIR_PID" 2>/dev/null && wait "$EIR_PID" 2>/dev/null
	for p in $PKGS; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed\|config-files\|half'; then
			dpkg -P $PKGS >"$T/cleanup-purge.log" 2>&1 || cat "$T/cleanup-purge.log"
			break
		fi
	done
	rm -f /etc/osmocom/national-feed.pub
	if [ -n "$policy_saved" ]; then mv -f "$policy_saved" "$policy"; else rm -f "$policy"; fi
	[ "$user_existed" = no ] && getent passwd osmocom >/dev/null && userdel osmocom
	[ "$group_existed" = no ] && getent group osmocom >/dev/null && groupdel osmocom
	[ "$varlib_existed" = no ] && rm -rf /var/lib/osmocom
	[ "$etc_existed" = no ] && rmdir /etc/osmocom 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# ---- build: the dist tarball, dpkg-buildpackage in a scratch directory, lintian ----
# EIR_PKG_NOCHECK=1 (contrib/test.sh, which has just run the same `make check`) builds with DEB_BUILD_OPTIONS=nocheck;
# otherwise the package build runs the fast suite itself.
build_opts=
[ "${EIR_PKG_NOCHECK:-0}" = 1 ] && build_opts=nocheck
pkg_build "$build_opts" || { not_ok "dpkg-buildpackage from the dist tarball"; finish; }
ok "dpkg-buildpackage from the dist tarball"
for p in $PKGS osmo-eir-dbgsym osmo-eir-sync-dbgsym osmo-eir-utils-dbgsym; do
	check "package $p built" test -f "$(pkg_deb $p)"
done
changes=$(echo "$T"/build/osmo-eir_*.changes)
lintian --pedantic --display-info "$changes" >"$T/lintian.log" 2>&1
sed -e '/running with root privileges/d' -e 's/^/# lintian: /' "$T/lintian.log"
for sev in E W I P; do
	echo "# lintian $sev: $(grep -c "^$sev: " "$T/lintian.log")"
done
check "lintian: no errors" test "$(grep -c '^E: ' "$T/lintian.log")" -eq 0

# ---- install, with no service started on this machine ----
[ -e "$policy" ] && { policy_saved="$T/policy-rc.d.saved"; cp -p "$policy" "$policy_saved"; }
printf '#!/bin/sh\n# osmo-eir install test: start no service\nexit 101\n' >"$policy"
chmod 755 "$policy"
debs=()
for p in $PKGS; do debs+=("$(pkg_deb $p)"); done
if ! dpkg -i "${debs[@]}" >"$T/install.log" 2>&1; then
	sed 's/^/#   /' "$T/install.log"
	not_ok "dpkg -i $PKGS"
	finish
fi
ok "dpkg -i $PKGS"

# owner:group mode of a path, e.g. "root:osmocom 2775"
perm() { stat -c '%U:%G %a' "$1"; }
check "the osmocom user is a system user without a login shell" \
	bash -c '[ "$(getent passwd osmocom | cut -d: -f3)" -lt 1000 ] &&
		[ "$(getent passwd osmocom | cut -d: -f7)" = /usr/sbin/nologin ]'
check "/etc/osmocom root:osmocom 2775 ($(perm /etc/osmocom))" test "$(perm /etc/osmocom)" = "root:osmocom 2775"
for c in osmo-eir.cfg osmo-eir-sync.cfg; do
	check "/etc/osmocom/$c osmocom:osmocom 660 ($(perm /etc/osmocom/$c))" \
		test "$(perm /etc/osmocom/$c)" = "osmocom:osmocom 660"
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' osmo-eir osmo-eir-sync)
check "conffiles: /etc/osmocom/osmo-eir.cfg" grep -q '/etc/osmocom/osmo-eir.cfg ' <<<"$conffiles"
check "conffiles: /etc/osmocom/osmo-eir-sync.cfg" grep -q '/etc/osmocom/osmo-eir-sync.cfg ' <<<"$conffiles"
check "production config: no 'unknown-peers accept'" \
	bash -c '! grep -q "^ *unknown-peers accept" /etc/osmocom/osmo-eir.cfg'
check "production config: VTY and CTRL on the loopback" bash -c \
	'[ "$(grep -c "^ bind 127.0.0.1$" /etc/osmocom/osmo-eir.cfg)" = 2 ]'
store=/var/lib/osmocom/osmo-eir
check "the store exists, empty, osmocom's ($(perm $store))" test "$(perm $store)" = "osmocom:osmocom 750"
check "every file of the store is osmocom's" test -z "$(find $store ! -user osmocom)"
runuser -u osmocom -- osmo-eir-db -l $store stats >"$T/stats.txt" 2>&1
check "the store is empty and ready: osmo-eir-db stats as osmocom" \
	test "$(grep -c '^  imei  *0 entries' "$T/stats.txt")" -eq 2 -a \
	"$(grep -c 'feed: never synced' "$T/stats.txt")" -eq 1
for b in $(dpkg -L $PKGS | grep '^/usr/bin/'); do
	n=${b##*/}
	check "man page of $n" bash -c "ls /usr/share/man/man[18]/$n.[18].gz >/dev/null 2>&1"
done
for u in osmo-eir.service osmo-eir-sync.service osmo-eir-sync.timer osmo-eir-sync-poll.service \
	osmo-eir-dump.service osmo-eir-dump.timer osmo-eir-push.service; do
	check "unit $u installed" test -f /lib/systemd/system/$u
	out=$(systemd-analyze verify /lib/systemd/system/$u 2>&1)
	check "systemd-analyze verify $u: clean${out:+: $out}" test -z "$out"
done
check "osmo-eir.service enabled" test -L /etc/systemd/system/multi-user.target.wants/osmo-eir.service
check "osmo-eir-sync.timer enabled (the default)" test -L /etc/systemd/system/timers.target.wants/osmo-eir-sync.timer
check "osmo-eir-sync-poll.service not enabled (the alternative)" \
	test ! -e /etc/systemd/system/multi-user.target.wants/osmo-eir-sync-poll.service
check "osmo-eir-dump.timer not enabled (nothing leaves the machine unless configured)" \
	test ! -e /etc/systemd/system/timers.target.wants/osmo-eir-dump.timer
check "osmo-eir-push.service not enabled (nothing leaves the machine unless configured)" \
	test ! -e /etc/systemd/system/multi-user.target.wants/osmo-eir-push.service
check "conffiles: /etc/osmocom/osmo-eir-push.cfg" grep -q '/etc/osmocom/osmo-eir-push.cfg ' <<<"$conffiles"
out=$(osmo-eir-push -c /etc/osmocom/osmo-eir-push.cfg 2>&1)
rc=$?
check "osmo-eir-push with the installed config: exit 1, no URL: nothing sent" \
	bash -c "[ $rc = 1 ] && grep -q 'no receiver configured' <<<\"\$1\"" _ "$out"
for u in osmo-eir.service osmo-eir-sync.service osmo-eir-sync-poll.service osmo-eir-push.service osmo-eir-dump.service; do
	echo "# systemd-analyze security --offline=true $u: $(systemd-analyze security --offline=true \
		/lib/systemd/system/$u 2>&1 | grep -o 'Overall exposure level.*')"
done

# ---- first config: ports of its own (the installed ones may be taken on this machine) ----
P_S13=$(free_port)
P_SBI=$(free_port)
P_VTY=$(free_port)
P_CTRL=$(free_port)
cfg=/etc/osmocom/osmo-eir.cfg
sed -i -e "s/^ listen 127.0.0.1 3868$/ listen 127.0.0.1 $P_S13/" \
	-e "s/^ listen 127.0.0.1 7777$/ listen 127.0.0.1 $P_SBI/" \
	-e "s/^ ctrl-port 4291$/ ctrl-port $P_CTRL/" -e "0,/^ bind 127.0.0.1$/s// bind 127.0.0.1 $P_VTY/" $cfg
check "the config edited in place keeps osmocom:osmocom 660" test "$(perm $cfg)" = "osmocom:osmocom 660"

# ---- start osmo-eir with the installed unit's ExecStart, as osmocom ----
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/osmo-eir.service)
echo "# ExecStart: $exec_start"
EIR_LOG=$T/osmo-eir.log
# setpriv execs it (runuser would fork and stay its parent), as systemd's User=osmocom does
setpriv --reuid=osmocom --regid=osmocom --init-groups -- $exec_start >"$EIR_LOG" 2>&1 &
EIR_PID=$!
i=0
while ! grep -q "running, store" "$EIR_LOG" 2>/dev/null && [ $i -lt 100 ] && kill -0 $EIR_PID 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if ! check "osmo-eir started from the installed config as osmocom" grep -q "running, store $store" "$EIR_LOG"; then
	sed 's/^/#   /' "$EIR_LOG"
	finish
fi
check "osmo-eir runs as osmocom" test "$(ps -o user= -p $EIR_PID)" = osmocom

VTY="$top_srcdir/tests/vty.py $P_VTY"
ECR="/usr/share/osmo-eir/s13-ecr.py --port $P_S13"

# an MME not configured is refused: the production config accepts only its peers
out=$($ECR 35693803564380 2>&1)
check "S13 before the peer is configured: refused ($out)" grep -q '3010' <<<"$out"

# ---- first VTY edit: the MME as a peer, written back to /etc/osmocom/osmo-eir.cfg by osmocom ----
$VTY enable "configure terminal" diameter "peer mme.localdomain realm localdomain address 127.0.0.1" end write \
	>"$T/vty-write.txt" 2>&1
check "VTY write: the peer is in /etc/osmocom/osmo-eir.cfg" \
	grep -q '^ peer mme.localdomain realm localdomain address 127.0.0.1' $cfg
check "VTY write: the config stays osmocom's ($(perm $cfg))" test "$(stat -c %U:%G $cfg)" = osmocom:osmocom

# ---- first feed key, first sync (a local feed published with the installed osmo-eir-feed) ----
chmod 755 "$T"
openssl genpkey -algorithm ed25519 -out "$T/feed.key" 2>/dev/null
openssl pkey -in "$T/feed.key" -pubout -out /etc/osmocom/national-feed.pub
ex=/usr/share/doc/osmo-eir-sync/examples
check "osmo-eir-feed publish (installed)" \
	osmo-eir-feed -d "$T/feed" -k "$T/feed.key" publish --blacklist $ex/dirbs-blacklist.csv \
	--notifications operator_1=$ex/dirbs-notifications.csv --exceptions operator_1=$ex/dirbs-exceptions.csv
chmod -R a+rX "$T/feed"
sed -i "s#^url .*#url file://$T/feed/#" /etc/osmocom/osmo-eir-sync.cfg
sync_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/osmo-eir-sync.service)
echo "# ExecStart: $sync_start"
runuser -u osmocom -- $sync_start >"$T/sync.log" 2>&1
rc=$?
sed 's/^/#   /' "$T/sync.log"
check "one sync as osmocom (osmo-eir-sync.service's ExecStart): exit 0" test $rc -eq 0
check "every file of the store is still osmocom's" test -z "$(find $store ! -user osmocom)"

# ---- first ECR and N5g-eir query: the synced national blacklist ----
out=$($ECR 35693803564380 2>&1)
check "S13: the synced IMEI is BLACKLISTED ($out)" \
	grep -q '^BLACKLISTED (Result-Code 2001, Equipment-Status 1)' <<<"$out"
N5G="http://127.0.0.1:$P_SBI/n5g-eir-eic/v1/equipment-status"
out=$(curl -sS --http2-prior-knowledge "$N5G?pei=imei-356938035643809")
check "N5g-eir: the synced IMEI is BLACKLISTED ($out)" test "$out" = '{"status":"BLACKLISTED"}'
out=$(curl -sS --http2-prior-knowledge "$N5G?pei=imei-350000030000018")
check "N5g-eir: an IMEI on no list is WHITELISTED ($out)" test "$out" = '{"status":"WHITELISTED"}'

# ---- a list edit on the VTY, and the summary with the feed's run ----
$VTY enable "equipment add imei 35000002000001 black Reported stolen" "show equipment summary" \
	>"$T/vty-summary.txt" 2>&1
sed 's/^/#   /' "$T/vty-summary.txt"
check "VTY: the summary shows the synced run" grep -q 'feed national: run 1' "$T/vty-summary.txt"
out=$($ECR 35000002000001 2>&1)
check "S13: the IMEI added on the VTY is BLACKLISTED ($out)" grep -q '^BLACKLISTED' <<<"$out"

# ---- backup of the running store (manual section 11): mdb_copy of each part, as osmocom ----
install -d -o osmocom -g osmocom "$T/backup"
runuser -u osmocom -- mkdir "$T/backup/local" "$T/backup/national"
check "mdb_copy -c of the local part while osmo-eir runs" \
	runuser -u osmocom -- mdb_copy -c $store/local "$T/backup/local"
check "mdb_copy -c of the national part" runuser -u osmocom -- mdb_copy -c $store/national "$T/backup/national"
out=$(runuser -u osmocom -- osmo-eir-db -l "$T/backup" lookup 35000002000001 2>&1 | head -n 1)
check "the backup holds the VTY's entry ($out)" grep -q '^BLACKLISTED' <<<"$out"
out=$(runuser -u osmocom -- osmo-eir-db -l "$T/backup" lookup 35693803564380 2>&1 | head -n 1)
check "the backup holds the synced blacklist ($out)" grep -q '^BLACKLISTED' <<<"$out"

kill -TERM $EIR_PID
wait $EIR_PID
rc=$?
EIR_PID=
check "osmo-eir stops cleanly on SIGTERM (exit $rc)" test $rc -eq 0

# ---- remove: the store and the configs stay; purge: both go ----
if dpkg -r $PKGS >"$T/remove.log" 2>&1; then ok "dpkg -r"; else sed 's/^/#   /' "$T/remove.log"; not_ok "dpkg -r"; fi
check "after remove: no /usr/bin/osmo-eir" test ! -e /usr/bin/osmo-eir
check "after remove: the store is kept" test -f $store/local/data.mdb -a -f $store/national/data.mdb
check "after remove: the configs are kept" test -f $cfg -a -f /etc/osmocom/osmo-eir-sync.cfg
if dpkg -P $PKGS >"$T/purge.log" 2>&1; then ok "dpkg -P"; else sed 's/^/#   /' "$T/purge.log"; not_ok "dpkg -P"; fi
check "after purge: the store is gone" test ! -e $store
check "after purge: the configs are gone" test ! -e $cfg -a ! -e /etc/osmocom/osmo-eir-sync.cfg -a ! -e $cfg.sav
check "after purge: no unit is left enabled" test ! -e /etc/systemd/system/multi-user.target.wants/osmo-eir.service \
	-a ! -e /etc/systemd/system/timers.target.wants/osmo-eir-sync.timer
finish
