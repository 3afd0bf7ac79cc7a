#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The packages under a real systemd (`make check-install`): a Debian 12 tree made by debootstrap, the .debs from
# the dist tarball installed into it with apt, booted with systemd-nspawn -b (its own network namespace: only
# its loopback). Inside, a probe unit checks what only systemd can show: osmo-eir.service up on the first boot
# as osmocom in its sandbox, the timer active, the VTY's `write` allowed by ReadWritePaths=/etc/osmocom, a
# sync by osmo-eir-sync.service, S13 and N5g-eir answers from the synced lists, the manual's backup and restore
# (and the written config read again on the restart), an upgrade to a next version (the sync units stopped
# before it, osmo-eir restarted, then they start again), the poll service replacing the timer. SKIP (77) without
# root, systemd-nspawn or debootstrap, or when the tree cannot be made (no mirror) or does not boot here.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pkg/lib-pkg.sh"

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, systemd-nspawn)"
for t in dpkg-buildpackage dh fakeroot debootstrap systemd-nspawn; do
	command -v "$t" >/dev/null || skip "no $t (contrib/install-deps.sh installs it)"
done
# one package test at a time on this machine
exec 9>/run/lock/osmo-eir-install-test.lock
flock -w 600 9 || skip "another install test holds /run/lock/osmo-eir-install-test.lock"

# the package build's own make check is install.sh's (or make check's) business
pkg_build nocheck || { not_ok "dpkg-buildpackage from the dist tarball"; finish; }
ok "dpkg-buildpackage from the dist tarball"

R=$T/root
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
echo "# debootstrap bookworm from ${mirror:=http://deb.debian.org/debian}"
if ! timeout 300 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,openssl,curl,python3,lmdb-utils \
	bookworm "$R" "$mirror" >"$T/debootstrap.log" 2>&1; then
	tail -n 5 "$T/debootstrap.log" | sed 's/^/#   /'
	skip "debootstrap of a Debian 12 tree failed (no mirror reachable?)"
fi
ok "debootstrap bookworm"

mkdir -p "$R/root/debs"
cp "$(pkg_deb osmo-eir)" "$(pkg_deb osmo-eir-sync)" "$(pkg_deb osmo-eir-utils)" "$R/root/debs/"
# no service starts inside the chroot during the installation (none would: no systemd runs there)
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
if ! chroot "$R" apt-get update -q >"$T/apt.log" 2>&1 ||
	! chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		$(cd "$R" && ls root/debs/*.deb | sed 's#^#/#') >>"$T/apt.log" 2>&1; then
	tail -n 20 "$T/apt.log" | sed 's/^/#   /'
	not_ok "apt-get install of the three .debs in the tree"
	finish
fi
ok "apt-get install of the three .debs in the tree (dependencies from the mirror)"
rm -f "$R/usr/sbin/policy-rc.d"

# the next version, for an upgrade inside the booted tree: the same build packaged again with a later
# changelog entry (-nc: nothing rebuilt)
src=$(echo "$T"/build/osmo-eir-*/)
v=$(cd "$src" && dpkg-parsechangelog -S Version)
mkdir "$T/v1" && mv "$T"/build/*.deb "$T/v1/"
{
	printf 'osmo-eir (%s+upgrade1) unstable; urgency=medium\n\n  * The install test'"'"'s upgrade.\n\n' "$v"
	printf ' -- Osmocom team <openbsc@lists.osmocom.org>  %s\n\n' "$(date -R)"
	cat "$src/debian/changelog"
} >"$T/changelog" && mv "$T/changelog" "$src/debian/changelog"
if ! (cd "$src" && own_make DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -nc) >"$T/build2.log" 2>&1; then
	tail -n 30 "$T/build2.log" | sed 's/^/#   /'
	not_ok "dpkg-buildpackage of version $v+upgrade1"
	finish
fi
mkdir -p "$R/root/debs2"
cp "$(pkg_deb osmo-eir)" "$(pkg_deb osmo-eir-sync)" "$(pkg_deb osmo-eir-utils)" "$R/root/debs2/"
ok "version $v+upgrade1 packaged for the upgrade"

cp "$top_srcdir/tests/vty.py" "$R/root/vty.py"
cat >"$R/root/probe.sh" <<'PROBE'
#!/bin/sh
# runs inside the booted tree: one "ok - " or "not ok - " line per check in /root/results.txt, then powers off
r=/root/results.txt
: >$r
chk() {
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - $d" >>$r; else echo "not ok - $d" >>$r; fi
}
# wait_for N CMD...: up to N tenths of a second for CMD to succeed
wait_for() {
	n=$1
	shift
	i=0
	while ! "$@" >/dev/null 2>&1 && [ $i -lt "$n" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
vty() { python3 /root/vty.py 4290 "$@"; }
ecr() { /usr/share/osmo-eir/s13-ecr.py "$@" 2>&1; }
n5g() { curl -sS --http2-prior-knowledge "http://127.0.0.1:7777/n5g-eir-eic/v1/equipment-status?pei=imei-$1"; }

wait_for 100 vty "show version"
chk "osmo-eir.service active on the first boot" systemctl is-active osmo-eir.service
pid=$(systemctl show -p MainPID --value osmo-eir.service)
chk "osmo-eir runs as osmocom" test "$(stat -c %U /proc/$pid)" = osmocom
chk "osmo-eir-sync.timer active (enabled by the package)" systemctl is-active osmo-eir-sync.timer
chk "osmo-eir-sync-poll.service not running (the alternative)" \
	test "$(systemctl is-active osmo-eir-sync-poll.service)" != active
out=$(ecr 35693803564380)
chk "S13: an MME not configured is refused ($out)" sh -c "echo '$out' | grep -q 'Result-Code 3010'"

vty enable "configure terminal" diameter "peer mme.localdomain realm localdomain address 127.0.0.1" end write >/dev/null
chk "VTY write in the sandbox (ReadWritePaths=/etc/osmocom)" grep -q '^ peer mme.localdomain' /etc/osmocom/osmo-eir.cfg

openssl genpkey -algorithm ed25519 -out /root/feed.key
openssl pkey -in /root/feed.key -pubout -out /etc/osmocom/national-feed.pub
ex=/usr/share/doc/osmo-eir-sync/examples
osmo-eir-feed -d /srv/eir-feed -k /root/feed.key publish --blacklist $ex/dirbs-blacklist.csv \
	--notifications operator_1=$ex/dirbs-notifications.csv \
	--exceptions operator_1=$ex/dirbs-exceptions.csv >/dev/null
sed -i 's#^url .*#url file:///srv/eir-feed/#' /etc/osmocom/osmo-eir-sync.cfg
chk "systemctl start osmo-eir-sync.service: the sandboxed sync succeeds" systemctl start osmo-eir-sync.service
journalctl -u osmo-eir-sync.service -n 3 --no-pager | sed 's/^/#   /' >>$r
chk "every file of the store is osmocom's" test -z "$(find /var/lib/osmocom/osmo-eir ! -user osmocom)"
out=$(ecr 35693803564380)
chk "S13: the synced IMEI is BLACKLISTED ($out)" sh -c "echo '$out' | grep -q '^BLACKLISTED (Result-Code 2001'"
out=$(n5g 356938035643809)
chk "N5g-eir: the synced IMEI is BLACKLISTED ($out)" test "$out" = '{"status":"BLACKLISTED"}'

# a host name resolved (glibc sorts the addresses of "localhost" with a netlink query) under the sync units'
# RestrictAddressFamilies= without AF_NETLINK, by libcurl as osmo-eir-sync's fetch does
out=$(systemd-run --quiet --wait --pipe -p User=osmocom -p "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	-p SystemCallFilter=@system-service curl -sS --http2-prior-knowledge \
	"http://localhost:7777/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809" 2>&1)
chk "libcurl resolves a host name without AF_NETLINK ($out)" test "$out" = '{"status":"BLACKLISTED"}'

# the manual's backup (section 11) while everything runs, an edit after it, the manual's restore
b=/var/backups/osmo-eir/test
install -d -o osmocom -g osmocom -m 0750 "$b"
runuser -u osmocom -- mkdir "$b/local" "$b/national"
chk "backup: mdb_copy -c of the local part while osmo-eir runs" \
	runuser -u osmocom -- mdb_copy -c /var/lib/osmocom/osmo-eir/local "$b/local"
chk "backup: mdb_copy -c of the national part" \
	runuser -u osmocom -- mdb_copy -c /var/lib/osmocom/osmo-eir/national "$b/national"
vty enable "equipment add imei 35000002000001 black Reported stolen" >/dev/null
out=$(ecr 35000002000001)
chk "an entry added after the backup: BLACKLISTED ($out)" sh -c "echo '$out' | grep -q '^BLACKLISTED'"
systemctl stop osmo-eir-sync.timer osmo-eir-sync-poll.service osmo-eir-sync.service osmo-eir.service
cd /var/lib/osmocom/osmo-eir
for p in local national; do rm -f $p/data.mdb $p/lock.mdb; cp "$b/$p/data.mdb" $p/; done
chown -R osmocom:osmocom /var/lib/osmocom/osmo-eir
cd /
systemctl start osmo-eir.service osmo-eir-sync.timer
wait_for 100 vty "show version"
out=$(ecr 35000002000001)
chk "restored and restarted: the entry added after the backup is gone ($out)" \
	sh -c "echo '$out' | grep -q '^WHITELISTED'"
out=$(ecr 35693803564380)
chk "restored: the synced blacklist, and the written config's peer, hold ($out)" \
	sh -c "echo '$out' | grep -q '^BLACKLISTED'"

# an upgrade (dpkg -i of the next version, as apt would): the sync units stopped before it unpacks, osmo-eir
# restarted on the new binary, only then the sync units started again
since=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1
chk "dpkg -i of the next version" dpkg -i /root/debs2/osmo-eir_*.deb /root/debs2/osmo-eir-sync_*.deb \
	/root/debs2/osmo-eir-utils_*.deb
ver=$(dpkg-query -W -f='${Version}' osmo-eir)
chk "upgraded: osmo-eir $ver" sh -c "echo '$ver' | grep -q 'upgrade1$'"
journalctl --since "$since" --no-pager -o cat _PID=1 >/root/upgrade.txt
grep -n 'osmo-eir' /root/upgrade.txt | sed 's/^/#   /' >>$r
l_stop=$(grep -n '^Stopped osmo-eir-sync.timer' /root/upgrade.txt | head -n 1 | cut -d: -f1)
l_eir=$(grep -n '^Started osmo-eir.service' /root/upgrade.txt | tail -n 1 | cut -d: -f1)
l_start=$(grep -n '^Started osmo-eir-sync.timer' /root/upgrade.txt | tail -n 1 | cut -d: -f1)
chk "upgrade order: timer stopped, osmo-eir restarted, timer started (${l_stop:-?} < ${l_eir:-?} < ${l_start:-?})" \
	test "${l_stop:-0}" -gt 0 -a "${l_stop:-0}" -lt "${l_eir:-0}" -a "${l_eir:-0}" -lt "${l_start:-0}"
wait_for 100 vty "show version"
chk "osmo-eir.service active after the upgrade" systemctl is-active osmo-eir.service
out=$(ecr 35693803564380)
chk "after the upgrade: BLACKLISTED ($out)" sh -c "echo '$out' | grep -q '^BLACKLISTED'"

systemctl start osmo-eir-sync-poll.service
wait_for 30 systemctl is-active osmo-eir-sync-poll.service
chk "osmo-eir-sync-poll.service runs" systemctl is-active osmo-eir-sync-poll.service
chk "and the timer is stopped (Conflicts=)" test "$(systemctl is-active osmo-eir-sync.timer)" != active
systemctl stop osmo-eir-sync-poll.service

systemctl --failed --no-legend --no-pager | sed 's/^/# failed unit: /' >>$r
journalctl -u osmo-eir.service -n 8 --no-pager | sed 's/^/#   /' >>$r
echo "probe done" >>$r
systemctl poweroff --no-block
PROBE
chmod 755 "$R/root/probe.sh"
cat >"$R/etc/systemd/system/eir-probe.service" <<'UNIT'
[Unit]
Description=osmo-eir package test probe
After=osmo-eir.service osmo-eir-sync.timer
[Service]
Type=oneshot
ExecStart=/root/probe.sh
[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/eir-probe.service "$R/etc/systemd/system/multi-user.target.wants/eir-probe.service"

echo "# systemd-nspawn -b --private-network (at most 180 s)"
timeout 180 systemd-nspawn -q --register=no --keep-unit --private-network -D "$R" -b --console=pipe \
	</dev/null >"$T/boot.log" 2>&1
rc=$?
if [ ! -s "$R/root/results.txt" ]; then
	tail -n 20 "$T/boot.log" | sed 's/^/#   /'
	[ $rc -eq 124 ] && skip "the tree did not boot under systemd-nspawn within 180 s here"
	skip "the tree did not run the probe under systemd-nspawn here (exit $rc)"
fi
relay "$R/root/results.txt"
check "the probe ran to its end" grep -q '^probe done' "$R/root/results.txt"
check "the container powered off by itself (exit $rc)" test $rc -ne 124
finish
