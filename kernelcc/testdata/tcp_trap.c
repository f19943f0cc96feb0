/*
 * A module that divides by zero once the window passes 20 packets: the
 * kind of module kernel:NAME must refuse in one line (run_test.go).
 */
#include <linux/module.h>
#include <net/tcp.h>

static volatile u32 zero;

static void trap_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tcp_reno_cong_avoid(sk, ack, acked);
	if (tcp_snd_cwnd(tp) > 20)
		tp->snd_cwnd_cnt = tcp_snd_cwnd(tp) / zero;
}

static struct tcp_congestion_ops trap_ops = {
	.name = "trap",
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = trap_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

static int __init trap_register(void)
{
	return tcp_register_congestion_control(&trap_ops);
}
module_init(trap_register);
