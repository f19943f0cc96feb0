package stack

import "testing"

func TestRTTEstimatorRFC6298(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LinuxRTO = false
	e := newRTTEstimator(&cfg)
	if e.current() != cfg.InitialRTO {
		t.Fatalf("initial RTO %v", e.current())
	}
	// First sample R = 100 ms: SRTT 100, RTTVAR 50, RTO 100 + 4·50 = 300 ms.
	e.sample(100*ms, 0, 0)
	if e.srtt != 100*ms || e.rttvar != 50*ms || e.current() != 300*ms {
		t.Fatalf("after 100ms: srtt %v rttvar %v rto %v", e.srtt, e.rttvar, e.current())
	}
	// R' = 200 ms: RTTVAR = 3/4·50 + 1/4·100 = 62.5; SRTT = 7/8·100 + 1/8·200
	// = 112.5; RTO = 112.5 + 250 = 362.5 ms.
	e.sample(200*ms, 0, 0)
	if e.rttvar != 62500*us || e.srtt != 112500*us || e.current() != 362500*us {
		t.Fatalf("after 200ms: srtt %v rttvar %v rto %v", e.srtt, e.rttvar, e.current())
	}
	// Backoff doubles, up to the cap, and a new sample undoes it.
	e.backOff()
	e.backOff()
	if e.current() != 4*362500*us {
		t.Fatalf("after two backoffs %v", e.current())
	}
	for range 20 {
		e.backOff()
	}
	if e.current() != cfg.MaxRTO {
		t.Fatalf("backoff cap %v, want %v", e.current(), cfg.MaxRTO)
	}
	e.sample(112500*us, 0, 0)
	if e.backoff != 0 || e.current() >= 362500*us {
		t.Fatalf("a new sample did not undo backoff: %v", e.current())
	}
	// Small, steady RTTs hit the floor.
	for range 50 {
		e.sample(10*ms, 0, 0)
	}
	if e.current() != cfg.MinRTO {
		t.Fatalf("RTO %v for steady 10ms RTTs, want the %v floor", e.current(), cfg.MinRTO)
	}
}

func TestRecvBufferReassembly(t *testing.T) {
	b := newRecvBuffer(64, &ChunkPool{}, false)
	b.nxt = 1000
	seg := func(seq int, s string) (bool, bool) { return b.write(Seq(seq), []byte(s)) }
	if adv, ooo := seg(1004, "efgh"); adv || !ooo {
		t.Fatal("a segment beyond a hole must be out of order")
	}
	if adv, ooo := seg(1012, "mnop"); adv || !ooo {
		t.Fatal("second hole")
	}
	seg(1010, "kl") // touches the second range
	if b.nooo != 2 || b.ooo[1] != (seqRange{1010, 1016}) {
		t.Fatalf("ranges %v", b.ooo[:b.nooo])
	}
	if adv, _ := seg(1000, "abcd"); !adv || b.nxt != 1008 || b.unread != 8 {
		t.Fatalf("filling the first hole: nxt %d unread %d", b.nxt, b.unread)
	}
	seg(1008, "ij")
	if b.nxt != 1016 || b.nooo != 0 {
		t.Fatalf("filling the last hole: nxt %d, %d ranges left", b.nxt, b.nooo)
	}
	out := make([]byte, 32)
	n := b.read(out)
	if got := string(out[:n]); got != "abcdefghijklmnop" {
		t.Fatalf("read %q", got)
	}
	if b.window() != 64 {
		t.Fatalf("window %d after reading everything", b.window())
	}
}

func TestRecvBufferWrapsAroundTheRing(t *testing.T) {
	b := newRecvBuffer(16, &ChunkPool{}, false)
	b.nxt = 0
	out := make([]byte, 16)
	want := ""
	got := ""
	for i := range 40 {
		s := string([]byte{byte('a' + i%26), byte('A' + i%26), byte('0' + i%10)})
		want += s
		b.write(b.nxt, []byte(s))
		n := b.read(out[:2+i%3])
		got += string(out[:n])
	}
	n := b.read(out)
	got += string(out[:n])
	if got != want {
		t.Fatalf("through the ring:\n got %q\nwant %q", got, want)
	}
}

// Linux's estimator (tcp_rtt_estimator, __tcp_set_rto): RTO = SRTT +
// RTTVAR with RTTVAR never below rto_min, 300 ms at a steady 100 ms RTT;
// a jump raises RTTVAR to 4·mdev at once, and the excess decays by a
// quarter once per round trip (when SND.UNA passes the SND.NXT of the
// round trip's start).
func TestRTTEstimatorLinux(t *testing.T) {
	cfg := DefaultConfig()
	e := newRTTEstimator(&cfg)
	e.sample(100*ms, 1, 10) // SRTT 100, mdev 50, RTTVAR max(200, 200)
	if e.srtt != 100*ms || e.current() != 300*ms {
		t.Fatalf("first sample: srtt %v rto %v", e.srtt, e.current())
	}
	e.sample(100*ms, 5, 20)  // same round trip: mdev4 150
	e.sample(100*ms, 11, 30) // next round trip: mdev4 112.5, no excess to decay
	if e.mdev4 != 112500*us || e.current() != 300*ms {
		t.Fatalf("steady 100ms: mdev4 %v rto %v, want 112.5ms and 300ms", e.mdev4, e.current())
	}
	// 500 ms: SRTT 100 + 400/8 = 150; mdev4 112.5 + (400 - 28.125) = 484.375,
	// above the round trip's maximum, so RTTVAR jumps to it.
	e.sample(500*ms, 25, 40)
	if e.srtt != 150*ms || e.mdev4 != 484375*us || e.current() != 634375*us {
		t.Fatalf("after 500ms: srtt %v mdev4 %v rto %v", e.srtt, e.mdev4, e.current())
	}
	// 150 ms twice, in the next two round trips: mdev4 falls by a quarter
	// each time (363.28125, then 272.4609375). The first closes the round
	// trip whose maximum equals RTTVAR, so nothing decays; the second
	// closes one whose maximum is 272.46, and RTTVAR's excess over it
	// decays by a quarter.
	e.sample(150*ms, 41, 50)
	if e.current() != 634375*us {
		t.Fatalf("end of the jump's round trip: rto %v, want 634.375ms", e.current())
	}
	e.sample(150*ms, 51, 60)
	if want := 150*ms + 484375*us - (484375*us-272460937)/4; e.current() != want {
		t.Fatalf("after decay: rto %v, want %v", e.current(), want)
	}
}
