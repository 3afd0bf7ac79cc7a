/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench: S13 load generator. N Diameter/TCP connections each send W pipelined ECRs to an EIR, every ECA
 * is checked against the expected verdict, and answers/s and latency percentiles are reported. */

#include "bench.h"

const char *const verdict_names[_V_COUNT] = { "WHITELISTED", "BLACKLISTED", "GREYLISTED", "UNKNOWN" };
struct bench B;
static volatile sig_atomic_t got_signal;

/* --- the run --- */

enum phase {
	PH_SETUP,		/*!< connecting, CER/CEA */
	PH_RUN,			/*!< sending */
	PH_DRAIN,		/*!< waiting for the outstanding answers */
	PH_CLOSE,		/*!< DPR/DPA */
	PH_END,
};

static enum phase phase;
static bool timed_out;

static void pace(uint64_t now)
{
	uint64_t due;
	unsigned i;

	for (i = 0; i < B.conns; i++) {
		struct conn *c = &B.c[i];

		if (c->state != C_OPEN)
			continue;
		due = (uint64_t)(c->rate * (double)(now - B.t0) / (double)NSEC);
		if (due > c->paced_sent) {
			c->paced_sent += conn_fill(c, due - c->paced_sent);
			conn_flush(c);
		}
	}
}

static void timer_set(uint64_t interval_ns)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
		.it_value = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
	};

	if (timerfd_settime(B.tfd, 0, &its, NULL))
		die("timerfd_settime: %s", strerror(errno));
}

static void start_run(uint64_t now)
{
	unsigned i;

	phase = PH_RUN;
	B.sending = true;
	B.t0 = now;
	B.t_end = now + (uint64_t)(B.duration * (double)NSEC);
	if (B.rate) {
		timer_set((uint64_t)B.tick_us * 1000);
		return;
	}
	for (i = 0; i < B.conns; i++) {
		conn_fill(&B.c[i], UINT64_MAX);
		conn_flush(&B.c[i]);
	}
}

static void start_close(uint64_t now)
{
	unsigned i;

	B.sending = false;
	if (B.rate)
		timer_set(0);
	for (i = 0; i < B.conns; i++)
		if (B.c[i].state == C_OPEN)
			send_dpr(&B.c[i]);
	B.t_close_end = now + CLOSE_TIMEOUT_NS;
	phase = PH_CLOSE;
}

static void advance(uint64_t now)
{
	unsigned i, open = 0, live = 0, inflight = 0;

	for (i = 0; i < B.conns; i++) {
		struct conn *c = &B.c[i];

		open += c->state == C_OPEN;
		if (c->state != C_DONE) {
			live++;
			inflight += c->inflight;
		}
	}
	if (phase != PH_END && now >= B.t_hard) {
		/* the EIR does not answer: no DPR/DPA either */
		timed_out = phase < PH_CLOSE;
		for (i = 0; i < B.conns; i++)
			conn_close(&B.c[i]);
		phase = PH_END;
		return;
	}
	switch (phase) {
	case PH_SETUP:
		if (got_signal)
			die("interrupted while connecting");
		if (live < B.conns)
			die("a connection failed during the capabilities exchange");
		if (open == B.conns)
			start_run(now);
		else if (now >= B.t_setup_end)
			die("no CEA on every connection within %llu s", SETUP_TIMEOUT_NS / NSEC);
		break;
	case PH_RUN:
		if (!(got_signal || (B.count && !B.budget) || (!B.count && now >= B.t_end) || !open))
			break;
		B.sending = false;
		if (B.rate)
			timer_set(0);
		phase = PH_DRAIN;
		/* fall through */
	case PH_DRAIN:
		if (!inflight)
			start_close(now);
		break;
	case PH_CLOSE:
		if (!live || now >= B.t_close_end) {
			for (i = 0; i < B.conns; i++)
				conn_close(&B.c[i]);
			phase = PH_END;
		}
		break;
	case PH_END:
		break;
	}
}

static int loop_timeout_ms(uint64_t now)
{
	uint64_t t = B.t_hard;

	if (phase == PH_SETUP)
		t = OSMO_MIN(t, B.t_setup_end);
	else if (phase == PH_RUN && !B.count)
		t = OSMO_MIN(t, B.t_end);
	else if (phase == PH_CLOSE)
		t = OSMO_MIN(t, B.t_close_end);
	if (t <= now)
		return 0;
	return (int)OSMO_MIN((t - now + 999999) / 1000000, (uint64_t)1000);
}

static void run(void)
{
	struct epoll_event ev[64];
	uint64_t now, ticks;
	int n, i;

	while (phase != PH_END) {
		n = epoll_wait(B.ep, ev, ARRAY_SIZE(ev), loop_timeout_ms(now_ns()));
		if (n < 0) {
			if (errno != EINTR)
				die("epoll_wait: %s", strerror(errno));
			n = 0;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_TIMER) {
				if (read(B.tfd, &ticks, sizeof(ticks)) > 0 && B.sending)
					pace(now_ns());
				continue;
			}
			if (B.c[ev[i].data.u32].state != C_DONE)
				conn_event(&B.c[ev[i].data.u32], ev[i].events);
		}
		now = now_ns();
		advance(now);
	}
}

static void on_signal(int sig)
{
	got_signal = 1;
}

/* --- report --- */

static int report(void)
{
	uint64_t missing = B.sent - B.answers, errors = B.error + B.unmatched + B.conn_errors;
	double t = B.t_last_answer > B.t_first_send ? (double)(B.t_last_answer - B.t_first_send) / NSEC : 0;
	struct rusage ru;
	double cpu;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      (double)ru.ru_stime.tv_usec / 1e6;
	printf("# osmo-eir-bench: %u connection%s to %s port %s, W=%u, ", B.conns, B.conns == 1 ? "" : "s", B.host,
	       B.port, B.window);
	if (B.count)
		printf("%" PRIu64 " requests", B.count);
	else
		printf("%g s", B.duration);
	if (B.rate)
		printf(" paced at %g/s (achieved %.0f/s)", B.rate, t > 0 ? (double)B.sent / t : 0.0);
	printf(", %zu IMEIs (%zu with expected verdicts)\n", B.nq, B.nq_checked);
	printf("# sent=%" PRIu64 " WHITELISTED=%" PRIu64 " BLACKLISTED=%" PRIu64 " GREYLISTED=%" PRIu64
	       " UNKNOWN=%" PRIu64 " client-cpu=%.2fs (%.2fus/answer)\n", B.sent, B.verdicts[V_WHITE],
	       B.verdicts[V_BLACK], B.verdicts[V_GREY], B.verdicts[V_UNKNOWN], cpu,
	       B.answers ? cpu * 1e6 / (double)B.answers : 0.0);
	if (timed_out)
		fprintf(stderr, "osmo-eir-bench: hard timeout (%g s): %" PRIu64 " requests unanswered\n", B.timeout,
			missing);
	else if (missing)
		fprintf(stderr, "osmo-eir-bench: %" PRIu64 " requests unanswered\n", missing);
	fflush(stderr);
	printf("answers=%" PRIu64 " time=%.3fs rate=%.0f/s p50=%" PRIu64 "us p99=%" PRIu64 "us p99.9=%" PRIu64
	       "us max=%" PRIu64 "us ok=%" PRIu64 " mismatch=%" PRIu64 " error=%" PRIu64 " missing=%" PRIu64 "\n",
	       B.answers, t, t > 0 ? (double)B.answers / t : 0.0, (hist_pct(0.50) + 500) / 1000,
	       (hist_pct(0.99) + 500) / 1000, (hist_pct(0.999) + 500) / 1000, (hist_max + 500) / 1000, B.ok,
	       B.mismatch, errors, missing);
	fflush(stdout);
	return B.mismatch || errors || missing || timed_out ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-bench [-H HOST] [-p PORT] -c CONNS -w WINDOW (-n COUNT | -d SECONDS) [-r RATE]\n"
		"                      (-i IMEI_FILE | -g N [-o FILE]) [options]\n"
		"  -H, --host HOST         the EIR (default 127.0.0.1)\n"
		"  -p, --port PORT         its Diameter TCP port (default 3868)\n"
		"  -c, --connections N     TCP connections, each with its own CER (default 1)\n"
		"  -w, --window W          requests in flight per connection (default 1)\n"
		"  -n, --count N           stop after N answers in total\n"
		"  -d, --duration S        stop sending after S seconds, then collect the outstanding answers\n"
		"  -r, --rate R            pace to R requests/s in total, sent every tick\n"
		"      --tick US           pacing tick in microseconds (default 1000)\n"
		"  -t, --timeout S         hard limit of the whole run (default: duration + 10; with -n 60, or more\n"
		"                          when -r makes the run longer: COUNT / RATE + 10)\n"
		"  -i, --imei-file FILE    lines imei[,imsi][,expected], expected one of WHITELISTED, GREYLISTED,\n"
		"                          BLACKLISTED, UNKNOWN or empty (not checked); '-' reads standard input\n"
		"  -g, --generate N        N random 14-digit IMEIs instead (not checked)\n"
		"  -o, --output FILE       write the generated IMEIs to FILE as imei,, (without -n/-d: only that)\n"
		"  -s, --seed S            seed of -g (default 1)\n"
		"      --origin-host NAME  Origin-Host; a %%d in it becomes the connection number\n"
		"                          (default mme-bench-<k>.REALM)\n"
		"      --realm R           Origin-Realm (default example.org)\n"
		"      --dest-realm R      Destination-Realm (default: the Origin-Realm)\n"
		"  -h, --help  -V, --version\n"
		"Prints one result line last:\n"
		"  answers=N time=Ts rate=R/s p50=Xus p99=Xus p99.9=Xus max=Xus ok=N mismatch=N error=N missing=N\n"
		"Exit: 0 every answer as expected; 1 mismatches, errors or unanswered requests; 2 usage or setup\n"
		"error.\n");
}

enum {
	OPT_ORIGIN_HOST = 256,
	OPT_REALM,
	OPT_DEST_REALM,
	OPT_TICK,
};

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, 0, 'H' },
		{ "port", 1, 0, 'p' },
		{ "connections", 1, 0, 'c' },
		{ "window", 1, 0, 'w' },
		{ "count", 1, 0, 'n' },
		{ "duration", 1, 0, 'd' },
		{ "rate", 1, 0, 'r' },
		{ "tick", 1, 0, OPT_TICK },
		{ "timeout", 1, 0, 't' },
		{ "imei-file", 1, 0, 'i' },
		{ "generate", 1, 0, 'g' },
		{ "output", 1, 0, 'o' },
		{ "seed", 1, 0, 's' },
		{ "origin-host", 1, 0, OPT_ORIGIN_HOST },
		{ "realm", 1, 0, OPT_REALM },
		{ "dest-realm", 1, 0, OPT_DEST_REALM },
		{ "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' },
		{ 0 }
	};
	int o;

	B.host = "127.0.0.1";
	B.port = "3868";
	B.conns = 1;
	B.window = 1;
	B.tick_us = 1000;
	B.seed = 1;
	B.realm = "example.org";
	while ((o = getopt_long(argc, argv, "H:p:c:w:n:d:r:t:i:g:o:s:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			B.host = optarg;
			break;
		case 'p':
			parse_u64(optarg, 1, 65535, "-p");
			B.port = optarg;
			break;
		case 'c':
			B.conns = (unsigned)parse_u64(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'w':
			B.window = (unsigned)parse_u64(optarg, 1, MAX_WINDOW, "-w");
			break;
		case 'n':
			B.count = parse_u64(optarg, 1, UINT64_MAX / 2, "-n");
			break;
		case 'd':
			B.duration = parse_double(optarg, 0.001, 86400, "-d");
			break;
		case 'r':
			B.rate = parse_double(optarg, 1, 1e9, "-r");
			break;
		case OPT_TICK:
			B.tick_us = (unsigned)parse_u64(optarg, 10, 1000000, "--tick");
			break;
		case 't':
			B.timeout = parse_double(optarg, 0.1, 86400 * 2, "-t");
			break;
		case 'i':
			B.imei_file = optarg;
			break;
		case 'g':
			B.gen = parse_u64(optarg, 1, 10000000, "-g");
			break;
		case 'o':
			B.out_file = optarg;
			break;
		case 's':
			B.seed = parse_u64(optarg, 0, UINT64_MAX, "-s");
			break;
		case OPT_ORIGIN_HOST:
			B.origin_host = optarg;
			break;
		case OPT_REALM:
			B.realm = optarg;
			break;
		case OPT_DEST_REALM:
			B.dest_realm = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("osmo-eir-bench %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (!B.dest_realm)
		B.dest_realm = B.realm;
	if (!!B.imei_file + !!B.gen != 1)
		die("give either -i IMEI_FILE or -g N (see --help)");
	if (B.out_file && !B.gen)
		die("-o needs -g");
	if (B.count && B.duration)
		die("give either -n or -d, not both");
	if (!B.count && !B.duration && !(B.gen && B.out_file))
		die("give -n COUNT or -d SECONDS (see --help)");
	if (strlen(B.realm) > 200 || strlen(B.dest_realm) > 200 || (B.origin_host && strlen(B.origin_host) > 200))
		die("realm or Origin-Host longer than 200 characters");
	if (B.origin_host && B.conns > 1 && !strstr(B.origin_host, "%d"))
		fprintf(stderr, "osmo-eir-bench: warning: %u connections share the Origin-Host %s; an EIR may refuse "
			"or replace all but one (put %%d in the name for distinct ones)\n", B.conns, B.origin_host);
	if (!B.timeout && B.count)
		B.timeout = B.rate ? OSMO_MAX(60.0, (double)B.count / B.rate + 10) : 60;
	else if (!B.timeout)
		B.timeout = B.duration + 10;
}

int main(int argc, char **argv)
{
	void *ctx = talloc_named_const(NULL, 0, "osmo-eir-bench");
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_TIMER };
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	unsigned i;
	int rc;

	parse_options(argc, argv);
	if (B.gen)
		queries_generate();
	else
		queries_load(B.imei_file);
	if (!B.count && !B.duration)
		return 0;	/* only -g N -o FILE */

	rc = getaddrinfo(B.host, B.port, &hints, &ai);
	if (rc)
		die("%s: %s", B.host, gai_strerror(rc));
	B.ep = epoll_create1(EPOLL_CLOEXEC);
	B.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (B.ep < 0 || B.tfd < 0 || epoll_ctl(B.ep, EPOLL_CTL_ADD, B.tfd, &ev))
		die("epoll/timerfd: %s", strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	B.osi = (uint32_t)time(NULL);
	B.budget = B.count;
	B.t_start = now_ns();
	B.t_hard = B.t_start + (uint64_t)(B.timeout * (double)NSEC);
	B.t_setup_end = B.t_start + SETUP_TIMEOUT_NS;
	B.c = talloc_zero_array(ctx, struct conn, B.conns);
	if (!B.c)
		die("out of memory");
	for (i = 0; i < B.conns; i++)
		conn_init(ctx, &B.c[i], i, ai);
	freeaddrinfo(ai);

	run();
	rc = report();
	talloc_free(ctx);
	free(B.q);
	return rc;
}
