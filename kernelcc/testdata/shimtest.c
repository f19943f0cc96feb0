/*
 * A module for kernelcc's shim tests (shim_test.go): each export calls one
 * helper of the shim on arguments from Go and returns what it did, so the
 * helpers are checked as a module sees them, compiled for wasm32.
 */
#include <linux/module.h>
#include <linux/win_minmax.h>
#include <linux/math64.h>
#include <net/tcp.h>

#define T(name) __attribute__((export_name(#name)))

static struct tcp_sock tp;
static struct minmax mm;

/* tcp_slow_start: the leftover in the low 32 bits, cwnd in the high. */
T(t_slow_start) u64 t_slow_start(u32 cwnd, u32 ssthresh, u32 clamp, u32 acked)
{
	u32 left;

	tp.snd_cwnd = cwnd;
	tp.snd_ssthresh = ssthresh;
	tp.snd_cwnd_clamp = clamp;
	left = tcp_slow_start(&tp, acked);
	return (u64)tp.snd_cwnd << 32 | left;
}

/* tcp_cong_avoid_ai: cwnd high, snd_cwnd_cnt low. */
T(t_cong_avoid_ai) u64 t_cong_avoid_ai(u32 cwnd, u32 cnt, u32 clamp, u32 w, u32 acked)
{
	tp.snd_cwnd = cwnd;
	tp.snd_cwnd_cnt = cnt;
	tp.snd_cwnd_clamp = clamp;
	tcp_cong_avoid_ai(&tp, w, acked);
	return (u64)tp.snd_cwnd << 32 | tp.snd_cwnd_cnt;
}

/* tcp_reno_cong_avoid on a window-limited sender: cwnd high, cnt low. */
T(t_reno_cong_avoid) u64 t_reno_cong_avoid(u32 cwnd, u32 ssthresh, u32 cnt, u32 acked, u32 limited)
{
	tp.snd_cwnd = cwnd;
	tp.snd_ssthresh = ssthresh;
	tp.snd_cwnd_cnt = cnt;
	tp.snd_cwnd_clamp = ~0u;
	tp.is_cwnd_limited = limited;
	tp.max_packets_out = limited ? cwnd : 0;
	tcp_reno_cong_avoid((struct sock *)&tp, 0, acked);
	return (u64)tp.snd_cwnd << 32 | tp.snd_cwnd_cnt;
}

T(t_reno_ssthresh) u32 t_reno_ssthresh(u32 cwnd)
{
	tp.snd_cwnd = cwnd;
	return tcp_reno_ssthresh((struct sock *)&tp);
}

T(t_reno_undo_cwnd) u32 t_reno_undo_cwnd(u32 cwnd, u32 prior)
{
	tp.snd_cwnd = cwnd;
	tp.prior_cwnd = prior;
	return tcp_reno_undo_cwnd((struct sock *)&tp);
}

T(t_packets_in_flight) u32 t_packets_in_flight(u32 out, u32 sacked, u32 lost, u32 retrans)
{
	tp.packets_out = out;
	tp.sacked_out = sacked;
	tp.lost_out = lost;
	tp.retrans_out = retrans;
	return tcp_packets_in_flight(&tp);
}

T(t_is_cwnd_limited) u32 t_is_cwnd_limited(u32 cwnd, u32 ssthresh, u32 max_out, u32 flag)
{
	tp.snd_cwnd = cwnd;
	tp.snd_ssthresh = ssthresh;
	tp.max_packets_out = max_out;
	tp.is_cwnd_limited = flag;
	return tcp_is_cwnd_limited((struct sock *)&tp);
}

T(t_current_ssthresh) u32 t_current_ssthresh(u32 cwnd, u32 ssthresh, u32 state)
{
	tp.snd_cwnd = cwnd;
	tp.snd_ssthresh = ssthresh;
	tp.inet_conn.icsk_ca_state = state;
	return tcp_current_ssthresh((struct sock *)&tp);
}

T(t_minmax_reset) u32 t_minmax_reset(u32 t, u32 v) { return minmax_reset(&mm, t, v); }
T(t_minmax_max) u32 t_minmax_max(u32 win, u32 t, u32 v) { return minmax_running_max(&mm, win, t, v); }
T(t_minmax_min) u32 t_minmax_min(u32 win, u32 t, u32 v) { return minmax_running_min(&mm, win, t, v); }
/* The filter's three samples, value then time, for checking aging. */
T(t_minmax_sample) u64 t_minmax_sample(u32 i) { return (u64)mm.s[i].v << 32 | mm.s[i].t; }

/* do_div: quotient and remainder both, from one call on one variable. */
static u64 rem_out;
T(t_do_div) u64 t_do_div(u64 n, u32 base)
{
	rem_out = do_div(n, base);
	return n;
}
T(t_do_div_rem) u64 t_do_div_rem(void) { return rem_out; }
T(t_div64_u64) u64 t_div64_u64(u64 a, u64 b) { return div64_u64(a, b); }
T(t_div_u64) u64 t_div_u64(u64 a, u32 b) { return div_u64(a, b); }
T(t_fls64) u32 t_fls64(u64 x) { return fls64(x); }
T(t_usecs_to_jiffies) u32 t_usecs_to_jiffies(u32 us) { return usecs_to_jiffies(us); }
T(t_msecs_to_jiffies) u32 t_msecs_to_jiffies(u32 ms) { return msecs_to_jiffies(ms); }
T(t_jiffies_to_usecs) u32 t_jiffies_to_usecs(u32 j) { return jiffies_to_usecs(j); }
T(t_min_t_u32) u32 t_min_t_u32(s32 a, s32 b) { return min_t(u32, a, b); }
T(t_max_t_s32) s32 t_max_t_s32(u32 a, u32 b) { return max_t(s32, a, b); }
T(t_before) u32 t_before(u32 a, u32 b) { return before(a, b); }
T(t_after) u32 t_after(u32 a, u32 b) { return after(a, b); }

/* cmpxchg on a word: what it held high, what it holds after low. */
static u32 word;
T(t_cmpxchg) u64 t_cmpxchg(u32 cur, u32 old, u32 new)
{
	u32 seen;

	word = cur;
	seen = cmpxchg(&word, old, new);
	return (u64)seen << 32 | word;
}

/* prandom_u32_max with the connection's generator at a given state. */
extern u32 ccb_random_u32(void);
T(t_random_u32) u32 t_random_u32(void) { return ccb_random_u32(); }
T(t_prandom_u32_max) u32 t_prandom_u32_max(u32 ceil) { return prandom_u32_max(ceil); }

/* The module itself: Reno, so that the glue links and loads it. */
static struct tcp_congestion_ops shimtest_ops = {
	.name = "shimtest",
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

static int __init shimtest_register(void)
{
	BUILD_BUG_ON(sizeof(struct minmax) != 24);
	return tcp_register_congestion_control(&shimtest_ops);
}
module_init(shimtest_register);
