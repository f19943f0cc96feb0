package cc

import "testing"

func TestRoundCounter(t *testing.T) {
	var r RoundCounter
	// A window of 10 bytes in flight, one byte per ACK: each ACK's Sent is
	// what was sent before the sender answered it.
	ack := func(delivered, sent int64) bool { return r.OnAck(&Ack{Delivered: delivered, Sent: sent}) }

	if ack(1, 10) {
		t.Fatal("the first ACK began a round; it must not end one")
	}
	// The round began with 10 bytes sent: the ACKs delivering them belong
	// to it, the one delivering byte 11 (sent after it began) ends it.
	for d := int64(2); d <= 10; d++ {
		if ack(d, d+9) {
			t.Fatalf("the ACK delivering byte %d ended the round; bytes up to 10 were sent before it began", d)
		}
	}
	if !ack(11, 20) {
		t.Fatal("the ACK delivering byte 11 did not end the round")
	}
	if r.Count() != 1 {
		t.Fatalf("Count = %d, want 1", r.Count())
	}
	// The next round began at Sent = 20.
	if ack(20, 29) || !ack(21, 30) || r.Count() != 2 {
		t.Fatalf("second round: want it to end at the ACK delivering byte 21; Count = %d", r.Count())
	}

	// A stretch ACK delivering several rounds' worth ends one round.
	if !ack(100, 110) || r.Count() != 3 {
		t.Fatalf("stretch ACK: Count = %d, want 3", r.Count())
	}

	// After Restart the next ACK begins a round without ending one.
	r.Restart()
	if ack(200, 210) {
		t.Fatal("the first ACK after Restart ended a round")
	}
	if ack(210, 220) || !ack(211, 221) || r.Count() != 4 {
		t.Fatalf("after Restart: Count = %d, want 4", r.Count())
	}
}
