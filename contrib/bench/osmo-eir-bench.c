/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench: S13 load generator. N Diameter/TCP connections each send W pipelined ECRs to an EIR, every ECA
 * is checked against the expected verdict, and answers/s and latency percentiles are reported. */

#include "bench.h"

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

	for (i = 0; i < bench_g.conns; i++) {
		struct conn *c = &bench_g.c[i];

		if (c->state != C_OPEN)
			continue;
		due = (uint64_t)(c->rate * (double)(now - bench_g.t0) / (double)NSEC);
		if (due > c->paced_sent) {
			c->paced_sent += bench_conn_fill(c, due - c->paced_sent);
			bench_conn_flush(c);
		}
	}
}

static void timer_set(uint64_t interval_ns)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
		.it_value = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
	};

	if (timerfd_settime(bench_g.tfd, 0, &its, NULL))
		eir_die(2, "timerfd_settime: %s", strerror(errno));
}

static void start_run(uint64_t now)
{
	unsigned i;

	phase = PH_RUN;
	bench_g.sending = true;
	bench_g.t0 = now;
	bench_g.t_end = now + (uint64_t)(bench_g.duration * (double)NSEC);
	if (bench_g.rate) {
		timer_set((uint64_t)bench_g.tick_us * 1000);
		return;
	}
	for (i = 0; i < bench_g.conns; i++) {
		bench_conn_fill(&bench_g.c[i], UINT64_MAX);
		bench_conn_flush(&bench_g.c[i]);
	}
}

static void start_close(uint64_t now)
{
	unsigned i;

	bench_g.sending = false;
	if (bench_g.rate)
		timer_set(0);
	for (i = 0; i < bench_g.conns; i++)
		if (bench_g.c[i].state == C_OPEN)
			bench_send_dpr(&bench_g.c[i]);
	bench_g.t_close_end = now + CLOSE_TIMEOUT_NS;
	phase = PH_CLOSE;
}

static void advance(uint64_t now)
{
	unsigned i, open = 0, live = 0, inflight = 0;

	for (i = 0; i < bench_g.conns; i++) {
		struct conn *c = &bench_g.c[i];

		open += c->state == C_OPEN;
		if (c->state != C_DONE) {
			live++;
			inflight += c->inflight;
		}
	}
	if (phase != PH_END && now >= bench_g.t_hard) {
		/* the EIR does not answer: no DPR/DPA either */
		timed_out = phase < PH_CLOSE;
		for (i = 0; i < bench_g.conns; i++)
			bench_conn_close(&bench_g.c[i]);
		phase = PH_END;
		return;
	}
	switch (phase) {
	case PH_SETUP:
		if (got_signal)
			eir_die(2, "interrupted while connecting");
		if (live < bench_g.conns)
			eir_die(2, "a connection failed during the capabilities exchange");
		if (open == bench_g.conns)
			start_run(now);
		else if (now >= bench_g.t_setup_end)
			eir_die(2, "no CEA on every connection within %llu s", SETUP_TIMEOUT_NS / NSEC);
		break;
	case PH_RUN:
		if (!(got_signal || (bench_g.count && !bench_g.budget) || (!bench_g.count && now >= bench_g.t_end) ||
		      !open))
			break;
		bench_g.sending = false;
		if (bench_g.rate)
			timer_set(0);
		phase = PH_DRAIN;
		/* fall through */
	case PH_DRAIN:
		if (!inflight)
			start_close(now);
		break;
	case PH_CLOSE:
		if (!live || now >= bench_g.t_close_end) {
			for (i = 0; i < bench_g.conns; i++)
				bench_conn_close(&bench_g.c[i]);
			phase = PH_END;
		}
		break;
	case PH_END:
		break;
	}
}

static int loop_timeout_ms(uint64_t now)
{
	uint64_t t = bench_g.t_hard;

	if (phase == PH_SETUP)
		t = OSMO_MIN(t, bench_g.t_setup_end);
	else if (phase == PH_RUN && !bench_g.count)
		t = OSMO_MIN(t, bench_g.t_end);
	else if (phase == PH_CLOSE)
		t = OSMO_MIN(t, bench_g.t_close_end);
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
		n = epoll_wait(bench_g.ep, ev, ARRAY_SIZE(ev), loop_timeout_ms(now_ns()));
		if (n < 0) {
			if (errno != EINTR)
				eir_die(2, "epoll_wait: %s", strerror(errno));
			n = 0;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_TIMER) {
				if (read(bench_g.tfd, &ticks, sizeof(ticks)) > 0 && bench_g.sending)
					pace(now_ns());
				continue;
			}
			if (bench_g.c[ev[i].data.u32].state != C_DONE)
				bench_conn_event(&bench_g.c[ev[i].data.u32], ev[i].events);
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
	uint64_t missing = bench_g.sent - bench_g.answers,
		 errors = bench_g.error + bench_g.unmatched + bench_g.conn_errors;
	double t = bench_g.t_last_answer > bench_g.t_first_send
			   ? (double)(bench_g.t_last_answer - bench_g.t_first_send) / NSEC
			   : 0;
	struct rusage ru;
	double cpu;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      (double)ru.ru_stime.tv_usec / 1e6;
	printf("# osmo-eir-bench: %u connection%s to %s port %s, W=%u, ", bench_g.conns, bench_g.conns == 1 ? "" : "s",
	       bench_g.host, bench_g.port, bench_g.window);
	if (bench_g.count)
		printf("%" PRIu64 " requests", bench_g.count);
	else
		printf("%g s", bench_g.duration);
	if (bench_g.rate)
		printf(" paced at %g/s (achieved %.0f/s)", bench_g.rate, t > 0 ? (double)bench_g.sent / t : 0.0);
	printf(", %zu IMEIs (%zu with expected verdicts)\n", bench_g.nq, bench_g.nq_checked);
	printf("# sent=%" PRIu64 " WHITELISTED=%" PRIu64 " BLACKLISTED=%" PRIu64 " GREYLISTED=%" PRIu64
	       " UNKNOWN=%" PRIu64 " client-cpu=%.2fs (%.2fus/answer)\n", bench_g.sent, bench_g.verdicts[V_WHITE],
	       bench_g.verdicts[V_BLACK], bench_g.verdicts[V_GREY], bench_g.verdicts[V_UNKNOWN], cpu,
	       bench_g.answers ? cpu * 1e6 / (double)bench_g.answers : 0.0);
	if (timed_out)
		fprintf(stderr, "osmo-eir-bench: hard timeout (%g s): %" PRIu64 " requests unanswered\n",
			bench_g.timeout, missing);
	else if (missing)
		fprintf(stderr, "osmo-eir-bench: %" PRIu64 " requests unanswered\n", missing);
	fflush(stderr);
	printf("answers=%" PRIu64 " time=%.3fs rate=%.0f/s p50=%" PRIu64 "us p99=%" PRIu64 "us p99.9=%" PRIu64
	       "us max=%" PRIu64 "us ok=%" PRIu64 " mismatch=%" PRIu64 " error=%" PRIu64 " missing=%" PRIu64 "\n",
	       bench_g.answers, t, t > 0 ? (double)bench_g.answers / t : 0.0, (bench_hist_pct(0.50) + 500) / 1000,
	       (bench_hist_pct(0.99) + 500) / 1000, (bench_hist_pct(0.999) + 500) / 1000, (bench_hist_max + 500) / 1000,
	       bench_g.ok, bench_g.mismatch, errors, missing);
	fflush(stdout);
	return bench_g.mismatch || errors || missing || timed_out ? 1 : 0;
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
		"      --sticky            each connection sends its own share of the IMEIs (lines k, k + N, ...),\n"
		"                          as a handset stays with one MME (default: the next line, whichever connection)\n"
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
	OPT_STICKY,
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
		{ "sticky", 0, 0, OPT_STICKY },
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

	bench_g.host = "127.0.0.1";
	bench_g.port = "3868";
	bench_g.conns = 1;
	bench_g.window = 1;
	bench_g.tick_us = 1000;
	bench_g.seed = 1;
	bench_g.realm = "example.org";
	while ((o = getopt_long(argc, argv, "H:p:c:w:n:d:r:t:i:g:o:s:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			bench_g.host = optarg;
			break;
		case 'p':
			bench_parse_u64(optarg, 1, 65535, "-p");
			bench_g.port = optarg;
			break;
		case 'c':
			bench_g.conns = (unsigned)bench_parse_u64(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'w':
			bench_g.window = (unsigned)bench_parse_u64(optarg, 1, MAX_WINDOW, "-w");
			break;
		case 'n':
			bench_g.count = bench_parse_u64(optarg, 1, UINT64_MAX / 2, "-n");
			break;
		case 'd':
			bench_g.duration = bench_parse_double(optarg, 0.001, 86400, "-d");
			break;
		case 'r':
			bench_g.rate = bench_parse_double(optarg, 1, 1e9, "-r");
			break;
		case OPT_STICKY:
			bench_g.sticky = true;
			break;
		case OPT_TICK:
			bench_g.tick_us = (unsigned)bench_parse_u64(optarg, 10, 1000000, "--tick");
			break;
		case 't':
			bench_g.timeout = bench_parse_double(optarg, 0.1, 86400 * 2, "-t");
			break;
		case 'i':
			bench_g.imei_file = optarg;
			break;
		case 'g':
			bench_g.gen = bench_parse_u64(optarg, 1, 10000000, "-g");
			break;
		case 'o':
			bench_g.out_file = optarg;
			break;
		case 's':
			bench_g.seed = bench_parse_u64(optarg, 0, UINT64_MAX, "-s");
			break;
		case OPT_ORIGIN_HOST:
			bench_g.origin_host = optarg;
			break;
		case OPT_REALM:
			bench_g.realm = optarg;
			break;
		case OPT_DEST_REALM:
			bench_g.dest_realm = optarg;
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
		eir_die(2, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!bench_g.dest_realm)
		bench_g.dest_realm = bench_g.realm;
	if (!!bench_g.imei_file + !!bench_g.gen != 1)
		eir_die(2, "give either -i IMEI_FILE or -g N (see --help)");
	if (bench_g.out_file && !bench_g.gen)
		eir_die(2, "-o needs -g");
	if (bench_g.count && bench_g.duration)
		eir_die(2, "give either -n or -d, not both");
	if (!bench_g.count && !bench_g.duration && !(bench_g.gen && bench_g.out_file))
		eir_die(2, "give -n COUNT or -d SECONDS (see --help)");
	if (strlen(bench_g.realm) > 200 || strlen(bench_g.dest_realm) > 200 ||
	    (bench_g.origin_host && strlen(bench_g.origin_host) > 200))
		eir_die(2, "realm or Origin-Host longer than 200 characters");
	if (bench_g.origin_host && bench_g.conns > 1 && !strstr(bench_g.origin_host, "%d"))
		fprintf(stderr,
			"osmo-eir-bench: warning: %u connections share the Origin-Host %s; an EIR may refuse "
			"or replace all but one (put %%d in the name for distinct ones)\n",
			bench_g.conns, bench_g.origin_host);
	if (!bench_g.timeout && bench_g.count)
		bench_g.timeout = bench_g.rate ? OSMO_MAX(60.0, (double)bench_g.count / bench_g.rate + 10) : 60;
	else if (!bench_g.timeout)
		bench_g.timeout = bench_g.duration + 10;
}

static void *ctx;

/* eir_die() exits from anywhere: the run's memory is freed on the way out all the same */
static void free_ctx(void)
{
	talloc_free(ctx);
	ctx = NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_TIMER };
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	unsigned i;
	int rc;

	/* options first: --help and usage errors exit there, with nothing allocated yet */
	parse_options(argc, argv);
	ctx = talloc_named_const(NULL, 0, "osmo-eir-bench");
	atexit(free_ctx);
	if (bench_g.gen)
		bench_queries_generate();
	else
		bench_queries_load(bench_g.imei_file);
	if (!bench_g.count && !bench_g.duration)
		return 0;	/* only -g N -o FILE */

	rc = getaddrinfo(bench_g.host, bench_g.port, &hints, &ai);
	if (rc)
		eir_die(2, "%s: %s", bench_g.host, gai_strerror(rc));
	bench_g.ep = epoll_create1(EPOLL_CLOEXEC);
	bench_g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (bench_g.ep < 0 || bench_g.tfd < 0 || epoll_ctl(bench_g.ep, EPOLL_CTL_ADD, bench_g.tfd, &ev))
		eir_die(2, "epoll/timerfd: %s", strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	bench_g.osi = (uint32_t)time(NULL);
	bench_g.budget = bench_g.count;
	bench_g.t_start = now_ns();
	bench_g.t_hard = bench_g.t_start + (uint64_t)(bench_g.timeout * (double)NSEC);
	bench_g.t_setup_end = bench_g.t_start + SETUP_TIMEOUT_NS;
	bench_g.c = talloc_zero_array(ctx, struct conn, bench_g.conns);
	if (!bench_g.c)
		eir_die(2, "out of memory");
	for (i = 0; i < bench_g.conns; i++)
		bench_conn_init(ctx, &bench_g.c[i], i, ai);
	freeaddrinfo(ai);

	run();
	rc = report();
	free_ctx();
	free(bench_g.q);
	return rc;
}
