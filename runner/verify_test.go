package runner

import (
	"strings"
	"testing"
)

// The receiver's check counts the bytes that match the sender's stream up
// to the first one that does not, across reads, and a sized flow that is
// short of its size is verified as far as it got but not complete.
func TestVerificationCountsBytesUpToTheFirstWrongOne(t *testing.T) {
	sc := Scenario{Seed: 7, Verify: true}
	f := newFlow(0, FlowSpec{CC: "reno", Size: 1000}, sc)
	stream := make([]byte, 1000)
	f.chacha.Read(stream)
	f.written = 1000

	f.check(stream[:300])
	f.read = 300
	v := f.verification()
	if v.VerifiedBytes != 300 || v.DeliveredBytes != 300 || v.Complete || v.Problem() != "did not complete" {
		t.Fatalf("after 300 good bytes: %+v, problem %q; want 300 verified, not complete", v, v.Problem())
	}

	stream[700] ^= 1
	f.check(stream[300:650])
	f.check(stream[650:])
	f.read = 1000
	f.completedAt = 1
	v = f.verification()
	if v.VerifiedBytes != 700 || v.DeliveredBytes != 1000 || v.Complete || !strings.HasPrefix(v.Problem(), "byte 700 differs") {
		t.Fatalf("with byte 700 flipped: %+v, problem %q; want 700 verified and byte 700 named", v, v.Problem())
	}
}
