// Package packetdrill plays packetdrill scripts (google/packetdrill, the
// language of Linux's gtests/net/tcp suite) against ccbench's TCP stack.
//
// One stack.Host is the kernel under test; the script is both the remote
// peer, whose packets it injects ("<") and whose expected packets it
// checks (">"), and the application, whose system calls it makes. Time is
// virtual, so a script runs in milliseconds and its timing is exact: the
// only slack is packetdrill's own tolerance (Options).
//
// Parse reads a script; Run plays it and returns a Result: Pass, Fail
// (the first mismatch: the line, the expected packet and what the stack
// sent instead, or nothing; a wrong return value or errno; a timing
// error), Unsupported (the first statement the stack cannot express,
// found before anything runs, so such a script is never reported as a
// pass or a fail), or Error (a malformed script).
//
// # Matching
//
// Outbound packets are matched as packetdrill's run_packet.c does: every
// TCP flag; the sequence range and ACK number after mapping both sides'
// ISNs (sequence numbers on SYNs are absolute, others relative to the
// sender's ISN); the window only when written; the options always,
// exactly and in order, nop and eol included, so that a packet written
// without options must carry none (<...> accepts any); TS val and ecr not at all unless --tcp_ts_tick_usecs is given; an
// inbound TS ecr is mapped to the TS val the host really sent where the
// script wrote that value. Consecutive MSS-sized packets are joined to
// match one larger script packet, as packetdrill joins TSO and GSO
// segments (--strict_segments turns that off); an inbound payload larger
// than a packet is sent as MSS-sized segments. Packets of a socket that
// is no longer the one under test are ignored, and packets left
// unmatched when the script ends are not an error, both as in
// packetdrill.
//
// # System calls
//
// socket, bind, listen, accept, connect, read, recv, recvfrom, write,
// send, sendto (MSG_FASTOPEN, MSG_MORE), close, shutdown, fcntl (F_GETFL, F_SETFL
// O_NONBLOCK), ioctl (SIOCINQ, SIOCOUTQ), poll (poll.go), and setsockopt
// and getsockopt for SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_SNDBUF,
// SO_RCVBUF, SO_LINGER (zero timeout: close aborts), SO_ERROR, SO_TYPE,
// TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
// TCP_SYNCNT, TCP_CONGESTION (any ccbench algorithm name), TCP_FASTOPEN,
// TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_KEY and TCP_CORK (per connection:
// stack.Conn.SetCork; MSG_MORE is stack.Conn.WriteMore). A call written with
// "...END" blocks in packetdrill's sense: the script goes on and the call
// must return by END. A call written without it that would block (a
// blocking read with nothing to read, a blocking connect) runs time
// forward until it returns, as it would hold up packetdrill.
//
// The stack's configuration is per host, not per socket: options that
// size a connection (SO_RCVBUF, TCP_MAXSEG, TCP_CONGESTION) are taken
// before it connects or listens (a listener's children inherit them) and
// are unsupported afterwards; SO_SNDBUF resizes a connection's empty send
// buffer (stack.Conn.SetSendBuffer); the others (TCP_NODELAY, keepalive)
// change the host's configuration through stack.Host.MutableConfig, and
// the keepalive options restart the timer (stack.Conn.RestartKeepalive).
// SO_RCVBUF v makes the receive buffer v bytes of window (Linux's
// sk_rcvbuf of 2v at its default len/truesize ratio of ½, and
// RcvBufInitial 2v) and takes the window scale from it, as Linux does for
// a locked buffer.
//
// # Commands and sysctls
//
// Backtick commands are interpreted, never run. "sysctl -q
// net.ipv4.NAME=VALUE", the upstream set_sysctls.py and the upstream
// ../common/defaults.sh (a list of sysctls) are applied; the cleanup
// command, "ip tcp_metrics flush" before any cookie is cached, "tc qdisc
// ... pfifo" without a limit, "ethtool -K ... off" and a bare "nstat" are
// no-ops; "tc qdisc ... fq" turns on the stack's pacing. Any other
// command is unsupported. The sysctls:
//
//	sysctl                      stack.Config / runner              otherwise
//	tcp_timestamps              Timestamps
//	tcp_sack                    SACK
//	tcp_window_scaling          WindowScaling
//	tcp_ecn 0, 1, 2             ECN, per role (2: listeners only)
//	tcp_syncookies 0, 1, 2      SYNCookies, SYNCookiesAlways (2)
//	tcp_syn_retries             SYNRetries
//	tcp_synack_retries          SYNACKRetries
//	tcp_syn_linear_timeouts     SYNLinearTimeouts
//	tcp_retries2                DataRetries
//	tcp_fin_timeout             FinWait2Timeout
//	tcp_keepalive_time/intvl/probes  Keepalive*
//	tcp_abort_on_overflow       AbortOnOverflow
//	tcp_rfc1337                 RFC1337
//	tcp_challenge_ack_limit     ChallengeACKsPerSecond (the stack's limit is per connection)
//	tcp_invalid_ratelimit       InvalidRateLimit (ms)
//	tcp_rto_min_us, tcp_rto_max_ms   MinRTO, MaxRTO
//	tcp_recovery                Recovery: RACK if bit 0, else SACK
//	tcp_rmem "min def max"      RcvBuf = RcvBufMax = max (Linux's window scale comes from it),
//	                            RcvSpaceInitial = def/2 (the SYN's window, tcp_full_space),
//	                            RcvBufInitial = def (the buffer the window clamp starts from)
//	tcp_wmem "min def max"      SndBuf = default
//	tcp_congestion_control      the algorithm of new sockets       unknown name unsupported
//	tcp_fastopen                client/server bits, 0x200           0x4 unsupported
//	                            (FastOpenNoCookie), 0x400
//	tcp_fastopen_key            accepted; scripts whose server cookies depend on it are unsupported
//	tcp_tso_win_divisor, tcp_min_tso_segs   any value (no TSO: segments are joined instead)
//	tcp_frto 2, tcp_dsack 1, tcp_fack 0, tcp_reordering 3, tcp_early_retrans 4,
//	tcp_ecn_option 2, tcp_pacing_ss_ratio 200, tcp_pacing_ca_ratio 120,
//	tcp_notsent_lowat 4294967295, tcp_autocorking 1
//	                            accepted at these values only (defaults.sh's)
//	tcp_slow_start_after_idle 0, 1   accepted (the stack behaves as 1)
//	tcp_moderate_rcvbuf 0, 1    accepted (the stack does not autotune: its window is its buffer)
//	tcp_no_metrics_save, tcp_retries1, tcp_tw_reuse, tcp_limit_output_bytes  any value
//	tcp_adv_win_scale 1, tcp_app_win 31   Linux's defaults only
//	anything else               unsupported
//
// The accepted-at-one-value sysctls are the environment every upstream
// script runs in; refusing them would refuse the whole suite. The stack
// does not model all of them (it always restarts slow start after an
// idle RTO, as Linux's default tcp_slow_start_after_idle=1, where
// defaults.sh says 0; of Linux's undo it has F-RTO's and the D-SACK
// undo outside recovery, not the undo in recovery or by timestamps): a script
// that depends on the difference fails, visibly, rather than passes.
//
// # Unsupported
//
// %{ }% code blocks (tcp_info assertions), IPv6, UDP, ICMP, GRE and MPLS
// packets, AccECN flags and options, the TCP MD5 and experimental Fast
// Open options, epoll, sendmsg, recvmsg, splice, sendfile, pipes,
// zerocopy, timestamping, MSG_EOR, TCP_INFO,
// TCP_NOTSENT_LOWAT, TCP_USER_TIMEOUT, TCP_INQ, IP-level socket options,
// --define symbols, and packetdrill flags other than --tolerance_usecs,
// --tolerance_percent, --tcp_ts_tick_usecs, --tcp_ts_ecr_scaled,
// --strict_segments, --mss and the address and port flags (ignored).
package packetdrill
