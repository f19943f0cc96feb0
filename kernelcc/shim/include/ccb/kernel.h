/*
 * ccbench's kernel shim: the small part of Linux's kernel interface that a
 * TCP congestion-control module (net/ipv4/tcp_<name>.c) uses, written for
 * ccbench so that such a module compiles unchanged for wasm32 and runs
 * inside ccbench's own TCP stack.
 *
 * Nothing here is taken from Linux. Each declaration says which kernel
 * name it stands for and what that name means to a module; the meaning is
 * Linux 6.1's. Structures hold only the fields modules read or write, in
 * an order of our choosing: a module reaches them by name, never by
 * offset. The sender's state is copied into them before each callback
 * and read back after it (glue.c); nothing here runs on its own.
 *
 * The target is wasm32 (ILP32): long and pointers are 32 bits, as on any
 * 32-bit kernel architecture, which every module supports.
 */
#ifndef CCB_KERNEL_H
#define CCB_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- Types (include/linux/types.h) ---------------------------------- */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s32 __s32;
typedef s64 __s64;

/* The extremes of the fixed-width types (include/linux/limits.h). */
#define U8_MAX ((u8)~0U)
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define S32_MAX ((s32)(U32_MAX >> 1))
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))

/* ---- Compiler words (include/linux/compiler*.h, init.h, cache.h) ----- */

/* Section and placement hints: meaningless in a wasm module. */
#define __read_mostly
#define __init
#define __exit
#define __initdata
#define __bpf_kfunc
#define ____cacheline_aligned_in_smp
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
/* likely/unlikely: branch hints; the value is the condition's truth. */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
/* BUILD_BUG_ON(cond): compilation fails when cond is true. */
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
/* WARN_ON_ONCE(cond): Linux logs a warning; the value is cond. */
#define WARN_ON_ONCE(cond) (!!(cond))
#define WARN_ON(cond) (!!(cond))
#define WARN_ONCE(cond, ...) (!!(cond))
#define sizeof_field(T, m) sizeof(((T *)0)->m)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A statement that declares nothing and costs nothing, so that a macro
 * used at file scope followed by ';' stays a valid declaration. */
#define __ccb_nothing _Static_assert(1, "ccb")

/* pr_debug and friends print to the kernel log; the shim has none. */
#define pr_debug(...) do { } while (0)
#define pr_info(...) do { } while (0)
#define pr_err(...) do { } while (0)

/* ---- Arithmetic (include/linux/minmax.h, math64.h, log2.h, bitops) -- */

/* min/max: the smaller and larger of two values of one type. */
#define min(a, b) ({ __typeof__(a) __ccb_a = (a); __typeof__(b) __ccb_b = (b); __ccb_a < __ccb_b ? __ccb_a : __ccb_b; })
#define max(a, b) ({ __typeof__(a) __ccb_a = (a); __typeof__(b) __ccb_b = (b); __ccb_a > __ccb_b ? __ccb_a : __ccb_b; })
/* min_t/max_t: the same after converting both to type t. */
#define min_t(t, a, b) ({ t __ccb_x = (t)(a); t __ccb_y = (t)(b); __ccb_x < __ccb_y ? __ccb_x : __ccb_y; })
#define max_t(t, a, b) ({ t __ccb_x = (t)(a); t __ccb_y = (t)(b); __ccb_x > __ccb_y ? __ccb_x : __ccb_y; })
/* clamp(v, lo, hi): v limited to [lo, hi]. */
#define clamp(v, lo, hi) min(max(v, lo), hi)
/* min_not_zero: the smaller of the two that are not zero. */
#define min_not_zero(a, b) ({ __typeof__(a) __ccb_p = (a); __typeof__(b) __ccb_q = (b); \
	__ccb_p == 0 ? __ccb_q : (__ccb_q == 0 ? __ccb_p : min(__ccb_p, __ccb_q)); })
/* abs: the magnitude of a signed value. */
#define abs(x) ({ __typeof__(x) __ccb_v = (x); __ccb_v < 0 ? -__ccb_v : __ccb_v; })

/* do_div(n, base): divides the u64 variable n by the u32 base in place
 * and evaluates to the remainder (asm-generic/div64.h). */
#define do_div(n, base) ({ u32 __ccb_base = (base); u32 __ccb_rem = (u32)((n) % __ccb_base); \
	(n) = (n) / __ccb_base; __ccb_rem; })

/* div_u64: u64 divided by u32. div64_u64: u64 by u64. div64_ul: u64 by
 * unsigned long. div64_long / div_s64: s64 by a signed divisor. */
static inline u64 div_u64(u64 dividend, u32 divisor) { return dividend / divisor; }
static inline u64 div64_u64(u64 dividend, u64 divisor) { return dividend / divisor; }
static inline u64 div64_ul(u64 dividend, unsigned long divisor) { return dividend / divisor; }
static inline s64 div_s64(s64 dividend, s32 divisor) { return dividend / divisor; }
static inline s64 div64_long(s64 dividend, long divisor) { return dividend / divisor; }
static inline s64 div64_s64(s64 dividend, s64 divisor) { return dividend / divisor; }

/* fls64: the position (1-based) of the highest set bit, 0 for 0. fls is
 * the same for 32 bits; ilog2 the floor of log2. */
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int fls(u32 x) { return x ? 32 - __builtin_clz(x) : 0; }
#define ilog2(n) (fls64((u64)(n)) - 1)

/* ---- Time (include/linux/jiffies.h, time64.h) ------------------------ */

/* HZ: the kernel tick is one millisecond, as in a kernel built with
 * CONFIG_HZ=1000 (Debian's, and what ccbench's own CUBIC assumes). */
#define HZ 1000
#define MSEC_PER_SEC 1000L
#define USEC_PER_MSEC 1000L
#define USEC_PER_SEC 1000000L
#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_SEC 1000000000L

/* jiffies: ticks since the connection's clock began, set by the glue from
 * the sender's time before every call (now / 1 ms). */
extern unsigned long jiffies;
/* tcp_jiffies32: the same as the 32-bit stamp TCP keeps. */
#define tcp_jiffies32 ((u32)jiffies)

/* msecs_to_jiffies / usecs_to_jiffies round up to whole ticks;
 * jiffies_to_usecs / jiffies_to_msecs scale back. */
static inline unsigned long msecs_to_jiffies(const unsigned int m) { return m; }
static inline unsigned long usecs_to_jiffies(const unsigned int u) { return (u + 999u) / 1000u; }
static inline unsigned int jiffies_to_usecs(const unsigned long j) { return (unsigned int)(j * 1000u); }
static inline unsigned int jiffies_to_msecs(const unsigned long j) { return (unsigned int)j; }

/* time_after(a, b) and friends compare tick stamps across wrap-around. */
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)

/* ---- Randomness (include/linux/random.h, prandom.h) ------------------- */

/* ccb_random_u32: the glue's generator, seeded per connection from the
 * run (glue.c). */
u32 ccb_random_u32(void);
/* get_random_u32: a uniformly random 32-bit value. */
static inline u32 get_random_u32(void) { return ccb_random_u32(); }
/* prandom_u32_max(n), get_random_u32_below(n): uniform in [0, n), by the
 * multiply-and-shift Linux uses (so a module's draws scale the same). */
static inline u32 prandom_u32_max(u32 ceil) { return (u32)(((u64)ccb_random_u32() * ceil) >> 32); }
static inline u32 get_random_u32_below(u32 ceil) { return prandom_u32_max(ceil); }
/* get_random_bytes(buf, n): n random bytes. */
void get_random_bytes(void *buf, int nbytes);

/* ---- Atomics (include/linux/atomic.h) -------------------------------- */

/* cmpxchg(p, old, new): stores new in *p if *p equals old; evaluates to
 * what *p held. A module runs single-threaded here, so it is plain code. */
#define cmpxchg(p, o, n) ({ __typeof__(*(p)) __ccb_old = *(p); \
	if (__ccb_old == (o)) *(p) = (n); __ccb_old; })

/* ---- Memory (include/linux/string.h) --------------------------------- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

/* ---- Modules and parameters (include/linux/module.h, moduleparam.h) -- */

struct module;
#define THIS_MODULE ((struct module *)0)
#define MODULE_AUTHOR(x) __ccb_nothing
#define MODULE_LICENSE(x) __ccb_nothing
#define MODULE_DESCRIPTION(x) __ccb_nothing
#define MODULE_VERSION(x) __ccb_nothing
#define MODULE_ALIAS(x) __ccb_nothing
#define MODULE_PARM_DESC(n, d) __ccb_nothing
#define EXPORT_SYMBOL(x) __ccb_nothing
#define EXPORT_SYMBOL_GPL(x) __ccb_nothing
/* module_param: a tunable set at load time; the module's default stands. */
#define module_param(name, type, perm) __ccb_nothing

struct kernel_param;
struct kernel_param_ops {
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
};
struct kernel_param {
	const char *name;
	void *arg;
};
/* module_param_cb: a tunable with a setter; never called here. */
#define module_param_cb(name, ops, arg, perm) __ccb_nothing
/* param_set_uint_minmax / param_get_uint: setters for such tunables; they
 * refuse, since nothing sets parameters at run time here. */
static inline int param_set_uint_minmax(const char *val, const struct kernel_param *kp,
					unsigned int lo, unsigned int hi)
{
	(void)val; (void)kp; (void)lo; (void)hi;
	return -22; /* EINVAL */
}
static inline int param_get_uint(char *buffer, const struct kernel_param *kp)
{
	(void)buffer; (void)kp;
	return 0;
}

/* module_init(fn): fn runs when the module loads. The glue calls it
 * through ccb_module_init_<module>, whose name the build passes in
 * CCB_MODULE_ID, so that a module built with a companion (yeah with
 * vegas) has one entry for each. */
#define __ccb_paste2(a, b) a##b
#define __ccb_paste(a, b) __ccb_paste2(a, b)
#define module_init(fn) int __ccb_paste(ccb_module_init_, CCB_MODULE_ID)(void) { return fn(); } __ccb_nothing
/* module_exit(fn): fn runs when the module unloads, which never happens. */
#define module_exit(fn) static void (*__ccb_paste(__ccb_exit_, CCB_MODULE_ID))(void) __maybe_unused = fn

/* ---- BTF kfunc sets (include/linux/btf.h, btf_ids.h) ----------------- */

/* A module lists the functions BPF programs may call; there is no BPF
 * here, so the set is empty and registering it succeeds. */
struct btf_id_set8 { u32 cnt; };
#define BTF_SET8_START(name) static struct btf_id_set8 name = { 0 };
#define BTF_SET8_END(name)
#define BTF_ID_FLAGS(...)
#define BTF_ID(...)
struct btf_kfunc_id_set {
	struct module *owner;
	struct btf_id_set8 *set;
};
#define BPF_PROG_TYPE_STRUCT_OPS 27
static inline int register_btf_kfunc_id_set(int prog_type, const struct btf_kfunc_id_set *s)
{
	(void)prog_type; (void)s;
	return 0;
}

/* ---- Windowed min/max (include/linux/win_minmax.h, lib/win_minmax.c) - */

/* A running maximum or minimum over a time window, kept as the best, the
 * second-best and the third-best sample of successive sub-windows (the
 * estimator of Kathleen Nichols that BBR uses for its bandwidth). */
struct minmax_sample {
	u32 t; /* when it was measured */
	u32 v; /* the value */
};
struct minmax {
	struct minmax_sample s[3];
};
/* minmax_get: the current best. */
static inline u32 minmax_get(const struct minmax *m) { return m->s[0].v; }
/* minmax_reset: forget everything; meas at t is the only sample. */
static inline u32 minmax_reset(struct minmax *m, u32 t, u32 meas)
{
	m->s[0].t = m->s[1].t = m->s[2].t = t;
	m->s[0].v = m->s[1].v = m->s[2].v = meas;
	return meas;
}
/* minmax_running_max / minmax_running_min: add meas at t to a filter
 * whose window is win (same units as t) and return the best. */
u32 minmax_running_max(struct minmax *m, u32 win, u32 t, u32 meas);
u32 minmax_running_min(struct minmax *m, u32 win, u32 t, u32 meas);

/* ---- Sequence numbers (include/net/tcp.h) ---------------------------- */

/* before(a, b): 32-bit sequence a comes before b, across wrap-around. */
static inline bool before(u32 seq1, u32 seq2) { return (s32)(seq1 - seq2) < 0; }
#define after(seq2, seq1) before(seq1, seq2)
/* between(s, lo, hi): lo <= s <= hi in sequence space. */
static inline bool between(u32 seq1, u32 seq2, u32 seq3) { return seq3 - seq2 >= seq1 - seq2; }

/* ---- Sockets (include/net/sock.h, inet_connection_sock.h, tcp.h) ------ */

struct list_head { struct list_head *next, *prev; };
struct net;
struct sk_buff;

/* TCP states (include/net/tcp_states.h): what sk_state may hold. */
enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_TIME_WAIT,
	TCP_CLOSE,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_LISTEN,
	TCP_CLOSING,
	TCP_NEW_SYN_RECV,
};

/* sk_pacing_status: whether the sender must pace (SK_PACING_NEEDED, which
 * a module that paces sets in init) or fq does it. */
enum sk_pacing {
	SK_PACING_NONE = 0,
	SK_PACING_NEEDED = 1,
	SK_PACING_FQ = 2,
};

/* struct sock: the socket fields modules read. sk_pacing_rate and
 * sk_max_pacing_rate are bytes per second; sk_pacing_shift sets how many
 * microseconds of data at that rate one burst may hold (2^-shift s). */
struct sock {
	unsigned char sk_state;
	u8 sk_pacing_shift;
	u32 sk_pacing_status;
	unsigned long sk_pacing_rate;
	unsigned long sk_max_pacing_rate;
	unsigned int sk_gso_max_size;
};

/* The largest GSO packet (include/linux/netdevice.h) and the room TCP
 * keeps for headers (include/net/tcp.h). */
#define GSO_LEGACY_MAX_SIZE 65536u
#define GSO_MAX_SIZE GSO_LEGACY_MAX_SIZE
#define MAX_TCP_HEADER 320

/* icsk_ack.pending bits (inet_connection_sock.h). */
enum inet_csk_ack_state_t {
	ICSK_ACK_SCHED = 1,
	ICSK_ACK_TIMER = 2,
	ICSK_ACK_PUSHED = 4,
	ICSK_ACK_PUSHED2 = 8,
	ICSK_ACK_NOW = 16,
};

struct tcp_congestion_ops;

/* The room a module has for its private state, 104 bytes in 6.1. */
#define ICSK_CA_PRIV_SIZE (13 * sizeof(u64))

/* struct inet_connection_sock: the algorithm, its state and its private
 * area. It begins with the socket, as in Linux. */
struct inet_connection_sock {
	struct sock icsk_inet;
	const struct tcp_congestion_ops *icsk_ca_ops;
	u8 icsk_ca_state;
	struct {
		u8 pending;
	} icsk_ack;
	u64 icsk_ca_priv[13];
};

/* The loss-recovery states a module is told of (include/net/tcp.h). */
enum tcp_ca_state {
	TCP_CA_Open = 0,
	TCP_CA_Disorder = 1,
	TCP_CA_CWR = 2,
	TCP_CA_Recovery = 3,
	TCP_CA_Loss = 4,
};
#define TCPF_CA_Open (1 << TCP_CA_Open)
#define TCPF_CA_Disorder (1 << TCP_CA_Disorder)
#define TCPF_CA_CWR (1 << TCP_CA_CWR)
#define TCPF_CA_Recovery (1 << TCP_CA_Recovery)
#define TCPF_CA_Loss (1 << TCP_CA_Loss)

/* tcp_sock.ecn_flags bits. */
#define TCP_ECN_OK 1
#define TCP_ECN_QUEUE_CWR 2
#define TCP_ECN_DEMAND_CWR 4
#define TCP_ECN_SEEN 8

/* struct tcp_sock: the TCP fields modules use. Units are Linux's:
 * windows and counts in packets (segments of mss_cache bytes), srtt_us
 * and mdev_us in 1/8 µs and 1/4 µs, stamps in µs (tcp_mstamp) or ns. */
struct tcp_sock {
	struct inet_connection_sock inet_conn;
	u32 snd_cwnd;        /* congestion window (read by tcp_snd_cwnd) */
	u32 snd_ssthresh;    /* slow-start threshold */
	u32 snd_cwnd_cnt;    /* linear-increase credit (tcp_cong_avoid_ai) */
	u32 snd_cwnd_clamp;  /* the most cwnd may be */
	u32 snd_cwnd_stamp;  /* when cwnd last changed, jiffies */
	u32 prior_cwnd;      /* cwnd before the last reduction (undo) */
	u32 prior_ssthresh;  /* ssthresh before it */
	u32 mss_cache;       /* the sender's MSS, bytes */
	u32 srtt_us;         /* smoothed RTT << 3 */
	u32 mdev_us;         /* mean deviation << 2 */
	struct minmax rtt_min; /* windowed minimum RTT, µs (tcp_min_rtt) */
	u32 packets_out;     /* sent and not cumulatively acknowledged */
	u32 sacked_out;      /* of those, SACKed */
	u32 lost_out;        /* of those, deemed lost */
	u32 retrans_out;     /* retransmissions in flight */
	u32 max_packets_out; /* most in flight in the last window */
	u32 delivered;       /* packets delivered, SACKed or acked */
	u32 delivered_ce;    /* of those, acknowledged with ECE */
	u32 lost;            /* packets deemed lost, in total */
	u32 app_limited;     /* delivered when the sender went app-limited, 0 if not */
	u64 tcp_mstamp;      /* the time of this event, µs */
	u64 delivered_mstamp;/* when delivered last grew, µs */
	u64 tcp_clock_cache; /* the time of this event, ns */
	u64 tcp_wstamp_ns;   /* earliest departure of the next packet, ns */
	u32 snd_una;         /* first unacknowledged sequence number */
	u32 snd_nxt;         /* next sequence number to send */
	u32 rcv_nxt;         /* next sequence number expected */
	u32 lsndtime;        /* when data was last sent, jiffies */
	u8 is_cwnd_limited;  /* the window was the limit in the last round */
	u8 ecn_flags;        /* TCP_ECN_* */
	struct {
		u8 saw_tstamp;   /* this ACK carried a timestamp option */
		u32 rcv_tsval;   /* its TSval */
		u32 rcv_tsecr;   /* its TSecr */
	} rx_opt;
};

/* tcp_sk / inet_csk: the socket seen as what it is. */
static inline struct tcp_sock *tcp_sk(const struct sock *sk) { return (struct tcp_sock *)sk; }
static inline struct inet_connection_sock *inet_csk(const struct sock *sk) { return (struct inet_connection_sock *)sk; }
/* inet_csk_ca: the module's private area. */
static inline void *inet_csk_ca(const struct sock *sk) { return (void *)inet_csk(sk)->icsk_ca_priv; }
/* sock_net: the network namespace; modules pass it to statistics only. */
static inline struct net *sock_net(const struct sock *sk) { (void)sk; return (struct net *)0; }
/* NET_INC_STATS / NET_ADD_STATS: SNMP counters, not kept here. */
#define NET_INC_STATS(net, field) do { (void)(net); } while (0)
#define NET_ADD_STATS(net, field, n) do { (void)(net); (void)(n); } while (0)

/* ---- Congestion-control interface (include/net/tcp.h) ----------------- */

#define TCP_CA_NAME_MAX 16
#define TCP_CONG_NON_RESTRICTED 0x1
#define TCP_CONG_NEEDS_ECN 0x2
#define TCP_INFINITE_SSTHRESH 0x7fffffff
/* TCP's timestamp clock runs at 1 kHz. */
#define TCP_TS_HZ 1000
/* The initial window, segments (RFC 6928). */
#define TCP_INIT_CWND 10

/* What cwnd_event reports. */
enum tcp_ca_event {
	CA_EVENT_TX_START,     /* data sent with nothing in flight */
	CA_EVENT_CWND_RESTART, /* the window restarts after idle */
	CA_EVENT_COMPLETE_CWR, /* a window reduction ended */
	CA_EVENT_LOSS,         /* the retransmission timer expired */
	CA_EVENT_ECN_NO_CE,    /* a data packet arrived ECT without CE */
	CA_EVENT_ECN_IS_CE,    /* a data packet arrived CE-marked */
};

/* What in_ack_event's flags say of the ACK. */
enum tcp_ca_ack_event_flags {
	CA_ACK_SLOWPATH = (1 << 0),   /* it was not a plain in-order advance */
	CA_ACK_WIN_UPDATE = (1 << 1), /* it updated the send window */
	CA_ACK_ECE = (1 << 2),        /* it carried ECN-Echo */
};

/* pkts_acked's sample: packets cumulatively acknowledged by the ACK, its
 * RTT sample in µs (negative for none), and packets in flight. */
struct ack_sample {
	u32 pkts_acked;
	s32 rtt_us;
	u32 in_flight;
};

/* cong_control's delivery-rate sample (tcp_rate.c's), in packets and µs. */
struct rate_sample {
	u64 prior_mstamp;
	u32 prior_delivered;
	u32 prior_delivered_ce;
	s32 delivered;
	s32 delivered_ce;
	long interval_us;
	u32 snd_interval_us;
	u32 rcv_interval_us;
	long rtt_us;
	int losses;
	u32 acked_sacked;
	u32 prior_in_flight;
	u32 last_end_seq;
	bool is_app_limited;
	bool is_retrans;
	bool is_ack_delayed;
};

/* inet_diag's reports of module state (include/uapi/linux/inet_diag.h);
 * get_info fills them, and nothing here asks it to. */
enum {
	INET_DIAG_VEGASINFO = 5,
	INET_DIAG_DCTCPINFO = 16,
	INET_DIAG_BBRINFO = 22,
};
struct tcpvegas_info {
	u32 tcpv_enabled;
	u32 tcpv_rttcnt;
	u32 tcpv_rtt;
	u32 tcpv_minrtt;
};
struct tcp_dctcp_info {
	u16 dctcp_enabled;
	u16 dctcp_ce_state;
	u32 dctcp_alpha;
	u32 dctcp_ab_ecn;
	u32 dctcp_ab_tot;
};
struct tcp_bbr_info {
	u32 bbr_bw_lo;
	u32 bbr_bw_hi;
	u32 bbr_min_rtt;
	u32 bbr_pacing_gain;
	u32 bbr_cwnd_gain;
};
union tcp_cc_info {
	struct tcpvegas_info vegas;
	struct tcp_dctcp_info dctcp;
	struct tcp_bbr_info bbr;
};

/* struct tcp_congestion_ops: a module's callbacks (which ones, and when
 * the core calls them, is glue.c's business) and its identity. */
struct tcp_congestion_ops {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	void (*set_state)(struct sock *sk, u8 new_state);
	void (*cwnd_event)(struct sock *sk, enum tcp_ca_event ev);
	void (*in_ack_event)(struct sock *sk, u32 flags);
	void (*pkts_acked)(struct sock *sk, const struct ack_sample *sample);
	u32 (*min_tso_segs)(struct sock *sk);
	void (*cong_control)(struct sock *sk, const struct rate_sample *rs);
	u32 (*undo_cwnd)(struct sock *sk);
	u32 (*sndbuf_expand)(struct sock *sk);
	size_t (*get_info)(struct sock *sk, u32 ext, int *attr, union tcp_cc_info *info);
	char name[TCP_CA_NAME_MAX];
	struct module *owner;
	struct list_head list;
	u32 key;
	u32 flags;
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
};

/* tcp_register_congestion_control: a module announces its algorithm. The
 * shim keeps the first one registered (the one the glue runs). */
int tcp_register_congestion_control(struct tcp_congestion_ops *type);
/* tcp_unregister_congestion_control: the module goes away; nothing to do. */
static inline void tcp_unregister_congestion_control(struct tcp_congestion_ops *type) { (void)type; }

/* ---- Window and state accessors (include/net/tcp.h) ------------------ */

/* tcp_snd_cwnd / tcp_snd_cwnd_set: read and write the congestion window. */
static inline u32 tcp_snd_cwnd(const struct tcp_sock *tp) { return tp->snd_cwnd; }
static inline void tcp_snd_cwnd_set(struct tcp_sock *tp, u32 val) { tp->snd_cwnd = val; }

/* tcp_in_slow_start: cwnd is below ssthresh. */
static inline bool tcp_in_slow_start(const struct tcp_sock *tp) { return tp->snd_cwnd < tp->snd_ssthresh; }
/* tcp_in_initial_slowstart: no ssthresh has been set yet. */
static inline bool tcp_in_initial_slowstart(const struct tcp_sock *tp) { return tp->snd_ssthresh >= TCP_INFINITE_SSTHRESH; }
/* tcp_in_cwnd_reduction: in the CWR or Recovery state. */
static inline bool tcp_in_cwnd_reduction(const struct sock *sk)
{
	return ((TCPF_CA_CWR | TCPF_CA_Recovery) >> inet_csk(sk)->icsk_ca_state) & 1;
}

/* tcp_left_out: packets SACKed or lost, no longer in the network.
 * tcp_packets_in_flight: RFC 6675's pipe, packets. */
static inline u32 tcp_left_out(const struct tcp_sock *tp) { return tp->sacked_out + tp->lost_out; }
static inline u32 tcp_packets_in_flight(const struct tcp_sock *tp)
{
	return tp->packets_out - tcp_left_out(tp) + tp->retrans_out;
}

/* tcp_current_ssthresh: ssthresh during a reduction; otherwise the larger
 * of it and three quarters of cwnd (what the window says of the path). */
static inline u32 tcp_current_ssthresh(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_in_cwnd_reduction(sk))
		return tp->snd_ssthresh;
	return max(tp->snd_ssthresh, (tp->snd_cwnd >> 1) + (tp->snd_cwnd >> 2));
}

/* tcp_is_cwnd_limited: whether the window, not the application, held the
 * sender back. In slow start, sending more than half of cwnd in the last
 * window counts (the window doubles per round); after it, the flag the
 * sender keeps. */
static inline bool tcp_is_cwnd_limited(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_in_slow_start(tp))
		return tp->snd_cwnd < 2 * tp->max_packets_out;
	return tp->is_cwnd_limited;
}

/* tcp_min_rtt: the connection's windowed minimum RTT, µs. */
static inline u32 tcp_min_rtt(const struct tcp_sock *tp) { return minmax_get(&tp->rtt_min); }

/* tcp_stamp_us_delta: t1 − t0 in µs, never negative. */
static inline u32 tcp_stamp_us_delta(u64 t1, u64 t0) { return t1 > t0 ? (u32)(t1 - t0) : 0; }
/* tcp_clock_us / tcp_clock_ns: the current time (the glue's clock). */
u64 tcp_clock_ns(void);
static inline u64 tcp_clock_us(void) { return tcp_clock_ns() / NSEC_PER_USEC; }
/* tcp_time_stamp: the TCP timestamp clock, ms, as a 32-bit stamp. */
static inline u32 tcp_time_stamp(const struct tcp_sock *tp) { return (u32)(tp->tcp_mstamp / (USEC_PER_SEC / TCP_TS_HZ)); }

/* INET_ECN_dontxmit: stop marking outgoing packets ECN-capable (DCTCP
 * falling back to Reno without ECN). The sender's ECN setting is the
 * experiment's; nothing changes here. */
static inline void INET_ECN_dontxmit(struct sock *sk) { (void)sk; }

/* __tcp_send_ack: send an ACK for rcv_nxt now. The shim's sender has no
 * receive side for a module to act on, so it is not sent (DCTCP calls it
 * only on a receiver). */
static inline void __tcp_send_ack(struct sock *sk, u32 rcv_nxt) { (void)sk; (void)rcv_nxt; }

/* tcp_call_bpf: asks a BPF sock_ops program attached to the socket (NV
 * asks it for a base RTT). None is attached here: the answer is -1, as
 * Linux's when no program runs. */
#define BPF_SOCK_OPS_BASE_RTT 7
static inline int tcp_call_bpf(struct sock *sk, int op, u32 nargs, u32 *args)
{
	(void)sk; (void)op; (void)nargs; (void)args;
	return -1;
}

/* ---- Reno and the shared helpers (net/ipv4/tcp_cong.c) --------------- */

/* tcp_slow_start: grows cwnd by acked packets up to ssthresh (and the
 * clamp) and returns what was left of acked beyond ssthresh. */
u32 tcp_slow_start(struct tcp_sock *tp, u32 acked);
/* tcp_cong_avoid_ai: additive increase of one packet per w packets
 * acknowledged, kept as credit in snd_cwnd_cnt. */
void tcp_cong_avoid_ai(struct tcp_sock *tp, u32 w, u32 acked);
/* tcp_reno_cong_avoid: Reno's growth: slow start, then one packet per
 * window. */
void tcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked);
/* tcp_reno_ssthresh: half of cwnd, at least 2. */
u32 tcp_reno_ssthresh(struct sock *sk);
/* tcp_reno_undo_cwnd: the larger of cwnd and cwnd before the reduction. */
u32 tcp_reno_undo_cwnd(struct sock *sk);

#endif /* CCB_KERNEL_H */
