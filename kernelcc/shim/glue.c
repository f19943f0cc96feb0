/*
 * The glue between ccbench's sender (Go, kernelcc/) and a Linux congestion
 * module compiled to wasm32: it plays the part of Linux's TCP core
 * (tcp_input.c, tcp_output.c, tcp_cong.c) for the module.
 *
 * One instance holds CCB_SLOTS sockets. Go writes the facts of an event
 * into the flat I/O block (struct ccb_io, every field 64 bits, at the
 * address ccb_io() returns), calls one entry point with a slot number, and
 * reads the module's answer from the same block. Each entry point copies
 * the facts into the slot's struct tcp_sock, calls the module's callbacks
 * in the order Linux's core calls them, and writes cwnd, ssthresh, pacing
 * and the recovery state back. Windows and counts are in packets here;
 * Go converts bytes with the MSS.
 */
#include <ccb/kernel.h>

#ifndef CCB_SLOTS
#define CCB_SLOTS 1024
#endif

#define CCB_EXPORT(name) __attribute__((export_name(#name)))

/* The layout version Go checks before using a module: bump it whenever
 * struct ccb_io changes. */
#define CCB_IO_VERSION 2

/* The I/O block. Go's kernelcc/io.go mirrors these indices. */
struct ccb_io {
	/* Facts of every call. */
	u64 now_ns;             /* 0: the sender's time */
	u64 mss;                /* 1: bytes per packet */
	u64 srtt_us;            /* 2: smoothed RTT, µs (0: none yet) */
	u64 min_rtt_us;         /* 3: minimum RTT, µs (0: none yet) */
	u64 packets_out;        /* 4: packets in flight after the event */
	u64 delivered;          /* 5: packets delivered in total */
	u64 delivered_ce;       /* 6: of those, with ECE */
	u64 lost;               /* 7: packets deemed lost in total */
	u64 snd_una;            /* 8: cumulative ACK point (sequence) */
	u64 snd_nxt;            /* 9: next new sequence */
	u64 app_limited;        /* 10: 1 if application-limited */
	u64 delivered_mstamp;   /* 11: when delivered last grew, µs */
	u64 arg;                /* 12: the event's argument (see ccb_event) */
	u64 arg2;               /* 13: a second one */
	/* Facts of an ACK (ccb_ack). */
	u64 ack_flags;          /* 14: in_ack_event's CA_ACK_* flags */
	u64 acked_sacked;       /* 15: packets newly delivered */
	u64 pkts_acked;         /* 16: packets cumulatively acked */
	s64 rtt_us;             /* 17: RTT sample, µs, or -1 */
	u64 data_acked;         /* 18: SND.UNA advanced over data */
	u64 prior_in_flight;    /* 19: packets in flight before the ACK */
	u64 rs_prior_mstamp;    /* 20: rate sample (struct rate_sample) */
	u64 rs_prior_delivered; /* 21 */
	s64 rs_delivered;       /* 22: -1 when invalid */
	s64 rs_interval_us;     /* 23: -1 when invalid */
	s64 rs_rtt_us;          /* 24 */
	s64 rs_losses;          /* 25 */
	u64 rs_is_app_limited;  /* 26 */
	u64 rs_prior_in_flight_bytes; /* 27: ack_sample.in_flight (bytes) */
	/* Answers. */
	u64 snd_cwnd;           /* 28: packets */
	u64 snd_ssthresh;       /* 29: packets */
	u64 pacing_rate;        /* 30: bytes/s */
	u64 pacing_needed;      /* 31: the module asked to pace */
	u64 ca_state;           /* 32: TCP_CA_* */
	u64 seed;               /* 33: per-connection random seed (ccb_init) */
	u64 io_version;         /* 34: CCB_IO_VERSION */
	u64 tsval;              /* 35: TSval of the ACK (0: none) */
	u64 tsecr;              /* 36: TSecr of the ACK */
	u64 min_tso_segs;       /* 37: answer: the module's min_tso_segs, 0 if none */
};

static struct ccb_io io;
static struct tcp_sock socks[CCB_SLOTS];
static u64 rng[CCB_SLOTS];
/* timed_out: a timeout reduced ssthresh and nothing new has been acked
 * since, so a further timeout keeps it (tcp_enter_loss's check). */
static u8 timed_out[CCB_SLOTS];
/* high_seq: SND.NXT at the last timeout; the Loss state ends when it is
 * acknowledged. */
static u32 high_seq[CCB_SLOTS];
static u32 cur;

unsigned long jiffies;

/* ops: the algorithm the module registered; a socket's own may differ. */
static const struct tcp_congestion_ops *ops;

/* The module's load function (module_init); -DCCB_INIT names it. */
extern int CCB_INIT(void);

int tcp_register_congestion_control(struct tcp_congestion_ops *type)
{
	if (!ops)
		ops = type;
	return 0;
}

u64 tcp_clock_ns(void) { return io.now_ns; }

/* A SplitMix64 step per draw, one state per socket. */
u32 ccb_random_u32(void)
{
	u64 z = (rng[cur] += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (u32)((z ^ (z >> 31)) >> 32);
}

void get_random_bytes(void *buf, int nbytes)
{
	u8 *p = buf;

	while (nbytes-- > 0)
		*p++ = (u8)ccb_random_u32();
}

CCB_EXPORT(ccb_io) struct ccb_io *ccb_io_block(void) { return &io; }
CCB_EXPORT(ccb_slots) u32 ccb_slots(void) { return CCB_SLOTS; }

/* ccb_load runs the module's init (which registers its algorithm) and
 * returns a bitmask of the callbacks it has, or a negative error. */
CCB_EXPORT(ccb_load) int ccb_load(void)
{
	int err = CCB_INIT();

	io.io_version = CCB_IO_VERSION;
	if (err < 0)
		return err;
	if (!ops)
		return -2;
	/* What tcp_register_congestion_control demands of an algorithm. */
	if (!ops->ssthresh || !ops->undo_cwnd || !(ops->cong_avoid || ops->cong_control))
		return -3;
	return (ops->ssthresh ? 1 : 0) | (ops->cong_avoid ? 2 : 0) |
	       (ops->set_state ? 4 : 0) | (ops->cwnd_event ? 8 : 0) |
	       (ops->in_ack_event ? 16 : 0) | (ops->pkts_acked ? 32 : 0) |
	       (ops->min_tso_segs ? 64 : 0) | (ops->cong_control ? 128 : 0) |
	       (ops->undo_cwnd ? 256 : 0) | (ops->sndbuf_expand ? 512 : 0) |
	       (ops->init ? 1024 : 0) | (ops->flags & TCP_CONG_NEEDS_ECN ? 2048 : 0);
}

/* ccb_name: the registered name, NUL-terminated. */
CCB_EXPORT(ccb_name) const char *ccb_name(void) { return ops ? ops->name : ""; }

/*
 * enter: the facts every call carries (the time, the segment size, what is
 * in flight, SND.NXT), which Go writes before each one.
 */
static struct sock *enter(u32 slot)
{
	struct tcp_sock *tp = &socks[slot];

	cur = slot;
	jiffies = (unsigned long)(io.now_ns / NSEC_PER_MSEC);
	tp->tcp_clock_cache = io.now_ns;
	tp->tcp_mstamp = io.now_ns / NSEC_PER_USEC;
	tp->tcp_wstamp_ns = io.now_ns;
	tp->mss_cache = (u32)io.mss;
	tp->packets_out = (u32)io.packets_out;
	tp->snd_nxt = (u32)io.snd_nxt;
	return (struct sock *)tp;
}

/*
 * enter_ack: the facts an ACK brings (the RTT estimates, what was
 * delivered and lost, SND.UNA, the timestamps), read at ccb_init (the
 * handshake's RTT, nothing delivered yet) and at each ACK. They stay in
 * the slot's tcp_sock until its next ACK, as Linux's do, so an event
 * between two ACKs sees this connection's, not what the I/O block last
 * carried for another connection of the same instance.
 */
static void enter_ack(struct tcp_sock *tp)
{
	tp->srtt_us = (u32)(io.srtt_us << 3);
	tp->rtt_min.s[0].v = tp->rtt_min.s[1].v = tp->rtt_min.s[2].v =
		io.min_rtt_us ? (u32)io.min_rtt_us : ~0u;
	tp->rtt_min.s[0].t = tp->rtt_min.s[1].t = tp->rtt_min.s[2].t = tcp_jiffies32;
	tp->delivered = (u32)io.delivered;
	tp->delivered_ce = (u32)io.delivered_ce;
	tp->lost = (u32)io.lost;
	tp->snd_una = (u32)io.snd_una;
	tp->delivered_mstamp = io.delivered_mstamp;
	/* The sender tells whether the window or the application limited
	 * it; max_packets_out is set so that tcp_is_cwnd_limited says the
	 * same in slow start. */
	tp->is_cwnd_limited = !io.app_limited;
	tp->max_packets_out = io.app_limited ? 0 : tp->snd_cwnd;
	tp->app_limited = io.app_limited ? (tp->delivered ? tp->delivered : 1) : 0;
	tp->rx_opt.saw_tstamp = io.tsval != 0 || io.tsecr != 0;
	tp->rx_opt.rcv_tsval = (u32)io.tsval;
	tp->rx_opt.rcv_tsecr = (u32)io.tsecr;
}

static void leave(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->snd_cwnd == 0)
		tp->snd_cwnd = 1;
	io.snd_cwnd = tp->snd_cwnd;
	io.snd_ssthresh = tp->snd_ssthresh;
	io.pacing_rate = sk->sk_pacing_rate;
	io.pacing_needed = sk->sk_pacing_status == SK_PACING_NEEDED;
	io.ca_state = inet_csk(sk)->icsk_ca_state;
	/* tcp_tso_segs asks min_tso_segs as it sizes each GSO packet; the
	 * answer after every call is what the sender sizes them by. */
	io.min_tso_segs = inet_csk(sk)->icsk_ca_ops->min_tso_segs ?
		inet_csk(sk)->icsk_ca_ops->min_tso_segs(sk) : 0;
}

/* tcp_set_ca_state: tell the module, then change state. */
static void set_state(struct sock *sk, u8 state)
{
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	if (ops->set_state)
		ops->set_state(sk, state);
	inet_csk(sk)->icsk_ca_state = state;
}

static void ca_event(struct sock *sk, enum tcp_ca_event ev)
{
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	if (ops->cwnd_event)
		ops->cwnd_event(sk, ev);
}

/*
 * ccb_init sets a slot up as tcp_init_sock and tcp_init_congestion_control
 * do: cwnd = arg packets (the initial window), ssthresh infinite, no clamp,
 * the socket's pacing rate unset (~0), then the module's init.
 */
CCB_EXPORT(ccb_init) void ccb_init(u32 slot)
{
	struct tcp_sock *tp = &socks[slot];
	struct sock *sk = (struct sock *)tp;

	memset(tp, 0, sizeof(*tp));
	rng[slot] = io.seed;
	timed_out[slot] = 0;
	high_seq[slot] = 0;
	sk->sk_state = TCP_ESTABLISHED;
	sk->sk_pacing_shift = 10;
	sk->sk_pacing_rate = ~0ul;
	sk->sk_max_pacing_rate = ~0ul;
	sk->sk_gso_max_size = GSO_LEGACY_MAX_SIZE;
	inet_csk(sk)->icsk_ca_ops = ops;
	tp->snd_cwnd = (u32)io.arg;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd_clamp = ~0u;
	tp->ecn_flags = (ops->flags & TCP_CONG_NEEDS_ECN) ? TCP_ECN_OK : 0;
	sk = enter(slot);
	enter_ack(tp);
	tp->lsndtime = tcp_jiffies32;
	tp->snd_cwnd_stamp = tcp_jiffies32;
	/* The module's init may replace the algorithm (DCTCP without ECN
	 * falls back to its Reno): every call goes through the socket's. */
	if (ops->init)
		ops->init(sk);
	leave(sk);
}

/*
 * update_pacing_rate stands for tcp_update_pacing_rate, which Linux's core
 * runs after every ACK for a module without cong_control: a rate of twice
 * the window per SRTT while cwnd is below half of ssthresh (slow start),
 * 1.2 times after (net.ipv4.tcp_pacing_ss_ratio and _ca_ratio, 200 and
 * 120 percent). The sender paces at it only when the module asked for
 * pacing; CUBIC's HyStart reads it either way (hystart_ack_delay).
 */
static void update_pacing_rate(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 window = max(tp->snd_cwnd, tp->packets_out);
	/* Bytes per 1/8 µs of srtt_us per percent: mss · 10⁶/100 · 8. */
	u64 rate = (u64)tp->mss_cache * ((USEC_PER_SEC / 100) << 3);

	rate *= tp->snd_cwnd < tp->snd_ssthresh / 2 ? 200 : 120;
	rate *= window;
	if (tp->srtt_us)
		rate /= tp->srtt_us;
	sk->sk_pacing_rate = rate < sk->sk_max_pacing_rate ? (unsigned long)rate : sk->sk_max_pacing_rate;
}

/*
 * ccb_ack: one ACK, as tcp_ack processes it for the module:
 * tcp_clean_rtx_queue's pkts_acked, then tcp_in_ack_event, then
 * tcp_cong_control: the module's cong_control if it has one, else
 * cong_avoid when the window may grow (tcp_may_raise_cwnd: data was
 * acked, outside CWR and Recovery), by the packets newly delivered,
 * and then, for the latter, tcp_update_pacing_rate.
 */
CCB_EXPORT(ccb_ack) void ccb_ack(u32 slot)
{
	struct sock *sk = enter(slot);
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	enter_ack(tp);
	if (io.data_acked)
		timed_out[slot] = 0;
	if (ops->pkts_acked && io.prior_in_flight) {
		struct ack_sample sample = {
			.pkts_acked = (u32)io.pkts_acked,
			.rtt_us = (s32)io.rtt_us,
			.in_flight = (u32)io.rs_prior_in_flight_bytes,
		};
		ops->pkts_acked(sk, &sample);
	}
	if (ops->in_ack_event)
		ops->in_ack_event(sk, (u32)io.ack_flags);
	/* The timeout's Loss state ends once everything sent before it is
	 * acknowledged (tcp_process_loss's exit to Open). */
	if (inet_csk(sk)->icsk_ca_state == TCP_CA_Loss && io.data_acked &&
	    !before(tp->snd_una, high_seq[slot]))
		set_state(sk, TCP_CA_Open);
	if (ops->cong_control) {
		struct rate_sample rs = {
			.prior_mstamp = io.rs_prior_mstamp,
			.prior_delivered = (u32)io.rs_prior_delivered,
			.delivered = (s32)io.rs_delivered,
			.interval_us = (long)io.rs_interval_us,
			.rtt_us = (long)io.rs_rtt_us,
			.losses = (int)io.rs_losses,
			.acked_sacked = (u32)io.acked_sacked,
			.prior_in_flight = (u32)io.prior_in_flight,
			.is_app_limited = io.rs_is_app_limited != 0,
			.is_ack_delayed = false,
		};
		ops->cong_control(sk, &rs);
	} else if (io.data_acked && !tcp_in_cwnd_reduction(sk)) {
		ops->cong_avoid(sk, tp->snd_una, (u32)io.acked_sacked);
		tp->snd_cwnd_stamp = tcp_jiffies32;
	}
	if (!ops->cong_control)
		update_pacing_rate(sk);
	leave(sk);
}

/* The congestion events of ccb_event, cc.EventKind's numbers. */
enum {
	CCB_LOSS = 1,
	CCB_ECN = 2,
	CCB_RTO = 3,
	CCB_RECOVERY_EXIT = 4,
	CCB_IDLE_RESTART = 5,
	CCB_UNDO = 6,
};

/* reduce is tcp_init_cwnd_reduction's part for the module: remember the
 * window, ask the module for ssthresh. */
static void reduce(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	tp->prior_ssthresh = tcp_current_ssthresh(sk);
	tp->prior_cwnd = tp->snd_cwnd;
	tp->snd_cwnd_cnt = 0;
	tp->snd_ssthresh = ops->ssthresh(sk);
}

/*
 * ccb_event: a congestion event, with what Linux's core does around it.
 *   LOSS (tcp_enter_recovery): ssthresh unless already reducing, then
 *     state Recovery. The sender reduces cwnd (PRR).
 *   ECN (tcp_enter_cwr): ssthresh and state CWR, unless reducing.
 *   RTO (tcp_enter_loss): ssthresh and CA_EVENT_LOSS unless fast recovery
 *     or an unanswered timeout already reduced; cwnd = 1; state Loss,
 *     which lasts until SND.NXT of now is acknowledged.
 *   RECOVERY_EXIT (tcp_end_cwnd_reduction, then Open): cwnd = arg
 *     packets (ssthresh) and CA_EVENT_COMPLETE_CWR, both skipped for a
 *     module with cong_control, as Linux skips them.
 *   UNDO (tcp_undo_cwnd_reduction): prior_cwnd = arg, cwnd = undo_cwnd(),
 *     ssthresh raised to arg2 if larger; state Open.
 *   IDLE_RESTART (tcp_cwnd_restart, then tcp_event_data_sent):
 *     CA_EVENT_CWND_RESTART, ssthresh = tcp_current_ssthresh, cwnd
 *     limited to arg packets (the restart window); then CA_EVENT_TX_START
 *     with lsndtime = arg2 jiffies (when the pipe emptied). A module with
 *     cong_control sees only TX_START, as in Linux.
 */
CCB_EXPORT(ccb_event) void ccb_event(u32 slot, u32 kind)
{
	struct sock *sk = enter(slot);
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;
	u8 state = inet_csk(sk)->icsk_ca_state;

	switch (kind) {
	case CCB_LOSS:
		if (!tcp_in_cwnd_reduction(sk))
			reduce(sk);
		set_state(sk, TCP_CA_Recovery);
		break;
	case CCB_ECN:
		if (state < TCP_CA_CWR) {
			reduce(sk);
			set_state(sk, TCP_CA_CWR);
		}
		break;
	case CCB_RTO:
		if (state != TCP_CA_Recovery && !timed_out[slot]) {
			reduce(sk);
			ca_event(sk, CA_EVENT_LOSS);
		}
		timed_out[slot] = 1;
		high_seq[slot] = tp->snd_nxt;
		tp->snd_cwnd = 1;
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd_stamp = tcp_jiffies32;
		set_state(sk, TCP_CA_Loss);
		break;
	case CCB_RECOVERY_EXIT:
		if (!ops->cong_control) {
			if (tp->snd_ssthresh < TCP_INFINITE_SSTHRESH && io.arg) {
				tp->snd_cwnd = (u32)io.arg;
				tp->snd_cwnd_stamp = tcp_jiffies32;
			}
			ca_event(sk, CA_EVENT_COMPLETE_CWR);
		}
		set_state(sk, TCP_CA_Open);
		break;
	case CCB_UNDO:
		tp->prior_cwnd = (u32)io.arg;
		tp->snd_cwnd = ops->undo_cwnd(sk);
		if ((u32)io.arg2 > tp->snd_ssthresh)
			tp->snd_ssthresh = (u32)io.arg2;
		if (state != TCP_CA_Open)
			set_state(sk, TCP_CA_Open);
		break;
	case CCB_IDLE_RESTART:
		if (!ops->cong_control) {
			ca_event(sk, CA_EVENT_CWND_RESTART);
			tp->snd_ssthresh = tcp_current_ssthresh(sk);
			if (tp->snd_cwnd > (u32)io.arg)
				tp->snd_cwnd = (u32)io.arg;
			tp->snd_cwnd_stamp = tcp_jiffies32;
		}
		tp->lsndtime = (u32)io.arg2;
		ca_event(sk, CA_EVENT_TX_START);
		tp->lsndtime = tcp_jiffies32;
		break;
	}
	leave(sk);
}

/* ccb_min_tso_segs / ccb_sndbuf_expand: the module's answers, or Linux's
 * defaults when it has none (2 each). */
CCB_EXPORT(ccb_min_tso_segs) u32 ccb_min_tso_segs(u32 slot)
{
	struct sock *sk = enter(slot);
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	return ops->min_tso_segs ? ops->min_tso_segs(sk) : 2;
}

CCB_EXPORT(ccb_sndbuf_expand) u32 ccb_sndbuf_expand(u32 slot)
{
	struct sock *sk = enter(slot);
	const struct tcp_congestion_ops *ops = inet_csk(sk)->icsk_ca_ops;

	return ops->sndbuf_expand ? ops->sndbuf_expand(sk) : 2;
}

/* ccb_private: the address of a slot's private area, for tests and the
 * inspector. */
CCB_EXPORT(ccb_private) void *ccb_private(u32 slot) { return inet_csk_ca((struct sock *)&socks[slot]); }

/* ccb_seed: restart a slot's random numbers from io.seed. */
CCB_EXPORT(ccb_seed) void ccb_seed(u32 slot) { rng[slot] = io.seed; }
