/*
 * The bodies of the shim's helpers (ccb/kernel.h): what net/ipv4/tcp_cong.c,
 * lib/win_minmax.c and lib/string.c give a congestion-control module in
 * Linux, written for ccbench. Each function says what it stands for; the
 * behaviour is Linux 6.1's, the code is ours.
 */
#include <ccb/kernel.h>

/* memset / memcpy: byte loops. The optimiser may turn them into calls to
 * themselves, so they are built without that (no-builtin). */
__attribute__((no_builtin)) void *memset(void *s, int c, size_t n)
{
	volatile unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

__attribute__((no_builtin)) void *memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

/* ---- tcp_cong.c's helpers --------------------------------------------- */

/*
 * Slow start (RFC 5681 §3.1 with Linux's counting): every packet acked
 * raises cwnd by one, but not past ssthresh; the acked packets that did
 * not fit below ssthresh are handed back for congestion avoidance. The
 * clamp caps the result.
 */
u32 tcp_slow_start(struct tcp_sock *tp, u32 acked)
{
	u32 room = tp->snd_ssthresh > tp->snd_cwnd ? tp->snd_ssthresh - tp->snd_cwnd : 0;
	u32 used = acked < room ? acked : room;
	u32 grown = tp->snd_cwnd + used;

	tp->snd_cwnd = grown < tp->snd_cwnd_clamp ? grown : tp->snd_cwnd_clamp;
	return acked - used;
}

/*
 * Additive increase: snd_cwnd_cnt collects acked packets and every w of
 * them buy one packet of window. Credit left from a time when w was
 * larger buys one packet first, and no more, so that a shrinking w does
 * not cause a jump.
 */
void tcp_cong_avoid_ai(struct tcp_sock *tp, u32 w, u32 acked)
{
	if (tp->snd_cwnd_cnt >= w) {
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd++;
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= w) {
		u32 steps = tp->snd_cwnd_cnt / w;

		tp->snd_cwnd_cnt -= steps * w;
		tp->snd_cwnd += steps;
	}
	if (tp->snd_cwnd > tp->snd_cwnd_clamp)
		tp->snd_cwnd = tp->snd_cwnd_clamp;
}

/*
 * Reno's cong_avoid: nothing while the application, not the window,
 * limits the sender; slow start below ssthresh; one packet per window of
 * acked packets above it, including what slow start handed back.
 */
void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	(void)ack;
	if (!tcp_is_cwnd_limited(sk))
		return;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (acked == 0)
			return;
	}
	tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}

/* Reno's ssthresh: half the window, never below two packets. */
u32 tcp_reno_ssthresh(struct sock *sk)
{
	u32 half = tcp_sk(sk)->snd_cwnd / 2;

	return half > 2 ? half : 2;
}

/* Reno's undo: back to the window before the reduction if it was larger. */
u32 tcp_reno_undo_cwnd(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return tp->snd_cwnd > tp->prior_cwnd ? tp->snd_cwnd : tp->prior_cwnd;
}

/* ---- lib/win_minmax.c ------------------------------------------------- */

/*
 * The windowed filter keeps three samples: s[0] the best in the window,
 * s[1] the best since a quarter of the window after s[0], s[2] the best
 * since half of it. When s[0] ages out of the window the others move up,
 * so the best of the last window is always at hand in constant space.
 * "Better" is >= for a maximum filter and <= for a minimum filter; better
 * reports whether a beats b.
 */
static bool ccb_better(bool want_max, u32 a, u32 b)
{
	return want_max ? a >= b : a <= b;
}

/* ccb_age moves the samples up as time passes, after meas has been
 * offered to s[1] and s[2], and returns the best. */
static u32 ccb_age(struct minmax *m, u32 win, struct minmax_sample meas)
{
	u32 age = meas.t - m->s[0].t;

	if (age > win) {
		/* The best is out of the window: the second takes its place,
		 * and if that is out too, the third. */
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2] = meas;
		if (meas.t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
			m->s[2] = meas;
		}
	} else if (m->s[1].t == m->s[0].t && age > win / 4) {
		/* A quarter of the window has passed with no second-best of
		 * its own: start one from this sample. */
		m->s[1] = meas;
		m->s[2] = meas;
	} else if (m->s[2].t == m->s[1].t && age > win / 2) {
		/* Half of it has passed with no third of its own. */
		m->s[2] = meas;
	}
	return m->s[0].v;
}

static u32 ccb_running(struct minmax *m, bool want_max, u32 win, u32 t, u32 v)
{
	struct minmax_sample meas = { .t = t, .v = v };

	if (ccb_better(want_max, v, m->s[0].v) || t - m->s[2].t > win)
		return minmax_reset(m, t, v);
	if (ccb_better(want_max, v, m->s[1].v)) {
		m->s[1] = meas;
		m->s[2] = meas;
	} else if (ccb_better(want_max, v, m->s[2].v)) {
		m->s[2] = meas;
	}
	return ccb_age(m, win, meas);
}

u32 minmax_running_max(struct minmax *m, u32 win, u32 t, u32 meas)
{
	return ccb_running(m, true, win, t, meas);
}

u32 minmax_running_min(struct minmax *m, u32 win, u32 t, u32 meas)
{
	return ccb_running(m, false, win, t, meas);
}
