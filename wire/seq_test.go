package wire

import "testing"

func TestSeqWraparound(t *testing.T) {
	const top = Seq(0xffff_fff0)
	after := top.Add(0x20) // wraps to 0x10
	if after != 0x10 {
		t.Fatalf("0xfffffff0 + 0x20 = %#x, want 0x10", uint32(after))
	}
	if !top.LT(after) || !after.GT(top) || top.GEQ(after) || after.LEQ(top) {
		t.Error("comparisons do not hold across the wrap")
	}
	if d := after.Sub(top); d != 0x20 {
		t.Errorf("distance across the wrap %d, want 32", d)
	}
	if d := top.Sub(after); d != -0x20 {
		t.Errorf("negative distance %d, want -32", d)
	}
	if !Seq(5).InWindow(top, 0x20) || Seq(0x10).InWindow(top, 0x20) || Seq(0xffff_ffef).InWindow(top, 0x20) {
		t.Error("InWindow wrong across the wrap")
	}
	if MaxSeq(top, after) != after || MinSeq(top, after) != top {
		t.Error("MaxSeq/MinSeq wrong across the wrap")
	}
	// Numbers exactly 2^31 apart are where the order becomes undefined;
	// just below that it must still hold.
	if !Seq(0).LT(Seq(1<<31 - 1)) {
		t.Error("order lost below 2^31")
	}
}
