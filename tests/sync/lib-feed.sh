# SPDX-License-Identifier: AGPL-3.0-or-later
# For the feed tests (source after tests/lib.sh): a feed key, lists, osmo-eir-feed, a real nginx on 127.0.0.1
# (HTTP and HTTPS with a CA and certificate made here) serving $T/www, and osmo-eir-sync against a store.
EIR_FEED="$top_builddir/src/osmo-eir-feed/osmo-eir-feed"
EIR_SYNC="$top_builddir/src/osmo-eir-sync/osmo-eir-sync"
OP=operator_1

# feed_key: $T/feed.key and $T/feed.pub
feed_key() {
	openssl genpkey -algorithm ed25519 -out "$T/feed.key" 2>/dev/null &&
	openssl pkey -in "$T/feed.key" -pubout -out "$T/feed.pub" 2>/dev/null
}

# feed_prereqs: SKIP (exit 77) without openssl or python3, else the feed key (for the tests of tests/feed and the
# slow feed tests, which generate their lists with Python)
feed_prereqs() {
	command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
	command -v python3 >/dev/null || { echo "# SKIP: python3 not installed"; exit 77; }
	feed_key || { echo "# cannot make a feed key"; exit 1; }
}

# publish [osmo-eir-feed publish options...]: into $T/www/feed with the test key
publish() {
	"$EIR_FEED" -d "$T/www/feed" -k "$T/feed.key" publish "$@" > "$T/publish.out" 2>&1 ||
	{ echo "# osmo-eir-feed publish $* failed:"; sed 's/^/#   /' "$T/publish.out"; return 1; }
}

# blacklist FILE IMEI...: a full blacklist with these IMEIs (reason "Stolen, ref N", LF line ends)
blacklist() {
	f=$1
	shift
	echo "imei,block_date,reasons" > "$f"
	n=0
	for i in "$@"; do
		n=$((n + 1))
		echo "$i,20261101,\"Stolen, ref $n\"" >> "$f"
	done
}

# op_lists: header-only notifications and exceptions of $OP, as publish options (a run with full lists always has
# our operator's lists, empty or not: DIRBS writes them, and osmo-eir-sync refuses a run without them)
op_lists() {
	echo "imei,imsi,msisdn,block_date,reasons" > "$T/notif-none.csv"
	echo "imei,imsi,msisdn" > "$T/exc-none.csv"
	echo "--notifications $OP=$T/notif-none.csv --exceptions $OP=$T/exc-none.csv"
}

# feed_sync STORE [options]: osmo-eir-sync once; exit code in $rc, stdout+stderr in $T/sync.out
feed_sync() {
	store=$1
	shift
	rc=0
	"$EIR_SYNC" -l "$store" -o "$OP" -k "$T/feed.pub" --connect-timeout 5 --timeout 20 "$@" > "$T/sync.out" 2>&1 ||
		rc=$?
}

# verdict STORE IMEI [IMSI]: the first word of osmo-eir-db lookup
verdict() {
	s=$1
	shift
	"$EIR_DB" -l "$s" lookup "$@" 2>&1 | head -1 | cut -d' ' -f1
}

# held STORE: what osmo-eir-db stats says of the feed state ("feed NAME: run N of DATE" or "feed: never synced")
held() {
	"$EIR_DB" -l "$1" stats 2>&1 | grep "^  feed" | sed 's/, applied .*//'
}

# nginx_start: nginx on free ports serving $T/www; sets HTTP_URL, HTTPS_URL (a certificate for 127.0.0.1 from a
# CA in $T/ca.pem), NGINX_LOG (access log). Returns 77 when nginx is missing.
nginx_start() {
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$NGINX" ] || { echo "# nginx not installed (contrib/install-deps.sh)"; return 77; }
	mkdir -p "$T/nginx/tmp" "$T/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
		-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
		-keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/srv.ext" &&
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		-extfile "$T/srv.ext" -out "$T/srv.pem" 2>/dev/null ||
		{ echo "# cannot make the certificates"; return 1; }
	HTTP_PORT=$(free_port)
	HTTPS_PORT=$(free_port)
	NGINX_LOG="$T/nginx/access.log"
	user=""
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	cat > "$T/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $NGINX_LOG;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$HTTP_PORT;
		listen 127.0.0.1:$HTTPS_PORT ssl;
		ssl_certificate $T/srv.pem;
		ssl_certificate_key $T/srv.key;
		root $T/www;
		location /moved/ { rewrite ^/moved/(.*)\$ /feed/\$1 permanent; }
	}
}
CONF
	"$NGINX" -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" ||
		{ echo "# nginx did not start:"; sed 's/^/#   /' "$T/nginx/error.log"; return 1; }
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/"; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "# nginx does not answer"; return 1; }
		sleep 0.1
	done
	HTTP_URL="http://127.0.0.1:$HTTP_PORT/feed/"
	HTTPS_URL="https://127.0.0.1:$HTTPS_PORT/feed/"
	trap 'nginx_stop; rm -rf "$T"' EXIT
}

nginx_stop() {
	[ -f "$T/nginx/nginx.pid" ] && kill -QUIT "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
}

# said DESCRIPTION PATTERN: ok when the last sync's output matches PATTERN (grep); else shows the output
said() {
	if grep -q -- "$2" "$T/sync.out"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$T/sync.out"
	fi
}

# lookup_has STORE IMEI PATTERN: osmo-eir-db lookup's answer matches PATTERN
lookup_has() {
	"$EIR_DB" -l "$1" lookup "$2" 2>&1 | grep -q -- "$3"
}
