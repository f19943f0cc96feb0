package kernelcc

import (
	"context"
	"errors"
	"github.com/ccbench/ccbench/cc"
	"os"
	"testing"
)

// shimModule builds testdata/shimtest.c, whose exports call the shim's
// helpers one at a time, and returns an instance of it. It needs clang and
// wasm-ld but no kernel source.
func shimModule(t *testing.T) *instance {
	t.Helper()
	text, err := os.ReadFile("testdata/shimtest.c")
	if err != nil {
		t.Fatal(err)
	}
	return buildInstance(t, "shimtest", unit{id: "shimtest", name: "shimtest.c", text: text})
}

// buildInstance compiles one C unit with the shim and returns an instance
// of it, skipping the test with one line when clang or wasm-ld is missing.
func buildInstance(t *testing.T, name string, u unit) *instance {
	t.Helper()
	path, err := build(name, []unit{u}, nil)
	if errors.Is(err, ErrToolsMissing) {
		t.Skipf("%s cannot be compiled here: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	mod, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := mod.acquire()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// call calls export fn with args and returns its result.
func call(t *testing.T, in *instance, fn string, args ...uint64) uint64 {
	t.Helper()
	f := in.mod.ExportedFunction(fn)
	if f == nil {
		t.Fatalf("no export %s", fn)
	}
	res, err := f.Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s%v: %v", fn, args, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func hiLo(v uint64) (uint32, uint32) { return uint32(v >> 32), uint32(v) }

func TestShimSlowStart(t *testing.T) {
	in := shimModule(t)
	// tcp_slow_start: cwnd = min(cwnd + acked, ssthresh), then the clamp;
	// it returns acked less what went into cwnd below ssthresh.
	cases := []struct{ cwnd, ssthresh, clamp, acked, wantCwnd, wantLeft uint32 }{
		{10, 100, ^uint32(0), 2, 12, 0}, // all below ssthresh
		{10, 15, ^uint32(0), 8, 15, 3},  // 5 fit, 3 left over
		{10, 15, 12, 8, 12, 3},          // the clamp caps cwnd, not the leftover
		{20, 20, ^uint32(0), 4, 20, 4},  // at ssthresh: all left over
		{10, 0x7fffffff, ^uint32(0), 0, 10, 0},
	}
	for _, c := range cases {
		cwnd, left := hiLo(call(t, in, "t_slow_start", uint64(c.cwnd), uint64(c.ssthresh), uint64(c.clamp), uint64(c.acked)))
		if cwnd != c.wantCwnd || left != c.wantLeft {
			t.Errorf("tcp_slow_start(cwnd %d, ssthresh %d, clamp %d, acked %d) = cwnd %d, left %d; want %d, %d",
				c.cwnd, c.ssthresh, c.clamp, c.acked, cwnd, left, c.wantCwnd, c.wantLeft)
		}
	}
}

func TestShimCongAvoidAI(t *testing.T) {
	in := shimModule(t)
	// tcp_cong_avoid_ai: credit from a larger w buys one packet first and
	// is dropped; then every w acked packets buy one.
	cases := []struct{ cwnd, cnt, clamp, w, acked, wantCwnd, wantCnt uint32 }{
		{10, 0, ^uint32(0), 10, 1, 10, 1},       // credit accumulates
		{10, 9, ^uint32(0), 10, 1, 11, 0},       // the w-th packet grows cwnd
		{10, 3, ^uint32(0), 10, 25, 12, 8},      // 28 credit: two packets, 8 left
		{10, 12, ^uint32(0), 10, 1, 11, 1},      // old credit ≥ w: one packet, credit reset
		{10, 25, ^uint32(0), 10, 20, 13, 0},     // reset to 0, +1; then 20 credit: +2
		{10, 9, 10, ^uint32(0) >> 1, 1, 10, 10}, // huge w: only credit
		{10, 9, 10, 10, 1, 10, 0},               // the clamp holds cwnd
	}
	for _, c := range cases {
		cwnd, cnt := hiLo(call(t, in, "t_cong_avoid_ai", uint64(c.cwnd), uint64(c.cnt), uint64(c.clamp), uint64(c.w), uint64(c.acked)))
		if cwnd != c.wantCwnd || cnt != c.wantCnt {
			t.Errorf("tcp_cong_avoid_ai(cwnd %d, cnt %d, clamp %d, w %d, acked %d) = cwnd %d, cnt %d; want %d, %d",
				c.cwnd, c.cnt, c.clamp, c.w, c.acked, cwnd, cnt, c.wantCwnd, c.wantCnt)
		}
	}
}

func TestShimRenoCongAvoid(t *testing.T) {
	in := shimModule(t)
	cases := []struct{ cwnd, ssthresh, cnt, acked, limited, wantCwnd, wantCnt uint32 }{
		{10, 12, 0, 5, 1, 12, 3},  // slow start to 12, 3 left for AI at w = 12
		{10, 100, 0, 5, 1, 15, 0}, // slow start only
		{20, 10, 19, 1, 1, 21, 0}, // AI: the 20th packet of a window
		{20, 10, 0, 1, 0, 20, 0},  // not window-limited: nothing
		{10, 100, 0, 5, 0, 10, 0}, // not limited in slow start either
	}
	for _, c := range cases {
		cwnd, cnt := hiLo(call(t, in, "t_reno_cong_avoid", uint64(c.cwnd), uint64(c.ssthresh), uint64(c.cnt), uint64(c.acked), uint64(c.limited)))
		if cwnd != c.wantCwnd || cnt != c.wantCnt {
			t.Errorf("tcp_reno_cong_avoid(cwnd %d, ssthresh %d, cnt %d, acked %d, limited %d) = %d, %d; want %d, %d",
				c.cwnd, c.ssthresh, c.cnt, c.acked, c.limited, cwnd, cnt, c.wantCwnd, c.wantCnt)
		}
	}
}

func TestShimRenoSsthreshAndUndo(t *testing.T) {
	in := shimModule(t)
	for cwnd, want := range map[uint64]uint64{1: 2, 3: 2, 4: 2, 5: 2, 6: 3, 10: 5, 101: 50} {
		if got := call(t, in, "t_reno_ssthresh", cwnd); got != want {
			t.Errorf("tcp_reno_ssthresh(cwnd %d) = %d, want max(cwnd/2, 2) = %d", cwnd, got, want)
		}
	}
	for _, c := range [][3]uint64{{10, 20, 20}, {30, 20, 30}, {5, 5, 5}} {
		if got := call(t, in, "t_reno_undo_cwnd", c[0], c[1]); got != c[2] {
			t.Errorf("tcp_reno_undo_cwnd(cwnd %d, prior %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

func TestShimSocketHelpers(t *testing.T) {
	in := shimModule(t)
	// tcp_packets_in_flight = packets_out − (sacked_out + lost_out) + retrans_out.
	if got := call(t, in, "t_packets_in_flight", 10, 3, 2, 1); got != 6 {
		t.Errorf("tcp_packets_in_flight(10, 3, 2, 1) = %d, want 6", got)
	}
	// tcp_is_cwnd_limited: in slow start cwnd < 2·max_packets_out; after
	// it, the flag.
	for _, c := range [][5]uint64{{10, 20, 6, 0, 1}, {10, 20, 5, 1, 0}, {30, 20, 100, 0, 0}, {30, 20, 0, 1, 1}} {
		if got := call(t, in, "t_is_cwnd_limited", c[0], c[1], c[2], c[3]); got != c[4] {
			t.Errorf("tcp_is_cwnd_limited(cwnd %d, ssthresh %d, max_out %d, flag %d) = %d, want %d", c[0], c[1], c[2], c[3], got, c[4])
		}
	}
	// tcp_current_ssthresh: in CWR or Recovery ssthresh; else the larger
	// of it and ¾ cwnd (cwnd/2 + cwnd/4 in integers).
	for _, c := range [][4]uint64{{40, 20, 0, 30}, {40, 20, 2, 20}, {40, 20, 3, 20}, {40, 50, 0, 50}, {7, 1, 4, 4}} {
		if got := call(t, in, "t_current_ssthresh", c[0], c[1], c[2]); got != c[3] {
			t.Errorf("tcp_current_ssthresh(cwnd %d, ssthresh %d, state %d) = %d, want %d", c[0], c[1], c[2], got, c[3])
		}
	}
	// before/after across the 32-bit wrap.
	if call(t, in, "t_before", 0xfffffff0, 0x10) != 1 || call(t, in, "t_after", 0x10, 0xfffffff0) != 1 || call(t, in, "t_before", 5, 5) != 0 {
		t.Error("before/after do not compare across the wrap")
	}
}

func TestShimMinmax(t *testing.T) {
	in := shimModule(t)
	samples := func() [3][2]uint32 {
		var s [3][2]uint32
		for i := range s {
			v, tm := hiLo(call(t, in, "t_minmax_sample", uint64(i)))
			s[i] = [2]uint32{v, tm}
		}
		return s
	}
	// A running max over a window of 100, as lib/win_minmax.c keeps it.
	call(t, in, "t_minmax_reset", 0, 10)
	steps := []struct {
		t, v, want uint32
		s          [3][2]uint32 // value, time
	}{
		// Not better, a quarter window on: it becomes 2nd and 3rd best.
		{30, 8, 10, [3][2]uint32{{10, 0}, {8, 30}, {8, 30}}},
		// Half a window on, a new 3rd best.
		{60, 6, 10, [3][2]uint32{{10, 0}, {8, 30}, {6, 60}}},
		// The best expires: the 2nd takes over.
		{101, 1, 8, [3][2]uint32{{8, 30}, {6, 60}, {1, 101}}},
		// A new best resets all three.
		{102, 9, 9, [3][2]uint32{{9, 102}, {9, 102}, {9, 102}}},
		// Nothing in the window for longer than it: reset to the sample.
		{300, 2, 2, [3][2]uint32{{2, 300}, {2, 300}, {2, 300}}},
	}
	for _, s := range steps {
		if got := uint32(call(t, in, "t_minmax_max", 100, uint64(s.t), uint64(s.v))); got != s.want {
			t.Errorf("running max at t=%d v=%d = %d, want %d", s.t, s.v, got, s.want)
		}
		if got := samples(); got != s.s {
			t.Errorf("after t=%d v=%d the samples are %v, want %v", s.t, s.v, got, s.s)
		}
	}
	// A running min: smaller is better.
	call(t, in, "t_minmax_reset", 0, 50)
	if got := call(t, in, "t_minmax_min", 100, 10, 60); got != 50 {
		t.Errorf("running min kept %d, want 50", got)
	}
	if got := call(t, in, "t_minmax_min", 100, 20, 40); got != 40 {
		t.Errorf("running min after a smaller sample = %d, want 40", got)
	}
	if got := call(t, in, "t_minmax_min", 100, 200, 70); got != 70 {
		t.Errorf("running min after the window = %d, want 70", got)
	}
}

func TestShimDivision(t *testing.T) {
	in := shimModule(t)
	// do_div leaves the quotient in its variable and returns the
	// remainder: CUBIC's cube_factor, 2⁴⁰ / (41·10).
	if q, r := call(t, in, "t_do_div", 1<<40, 410), call(t, in, "t_do_div_rem"); q != 2681735677 || r != 206 {
		t.Errorf("do_div(2^40, 410) = %d rem %d, want 2681735677 rem 206", q, r)
	}
	if q, r := call(t, in, "t_do_div", 1000000007, 1000), call(t, in, "t_do_div_rem"); q != 1000000 || r != 7 {
		t.Errorf("do_div(1000000007, 1000) = %d rem %d, want 1000000 rem 7", q, r)
	}
	if got := call(t, in, "t_div64_u64", 1<<63, 3); got != 3074457345618258602 {
		t.Errorf("div64_u64(2^63, 3) = %d", got)
	}
	if got := call(t, in, "t_div64_u64", 1<<63|12345, 1<<40); got != 1<<23 {
		t.Errorf("div64_u64 with a 64-bit divisor = %d, want 2^23", got)
	}
	if got := call(t, in, "t_div_u64", 5000000000, 7); got != 714285714 {
		t.Errorf("div_u64(5e9, 7) = %d", got)
	}
	for x, want := range map[uint64]uint64{0: 0, 1: 1, 2: 2, 3: 2, 0x1000: 13, 1 << 63: 64, ^uint64(0): 64} {
		// An i32 result: only its low 32 bits are defined.
		if got := uint64(uint32(call(t, in, "t_fls64", x))); got != want {
			t.Errorf("fls64(%#x) = %d, want %d", x, got, want)
		}
	}
	// min_t/max_t convert first: -1 as u32 is the largest.
	if got := uint32(call(t, in, "t_min_t_u32", uint64(uint32(0xffffffff)), 5)); got != 5 {
		t.Errorf("min_t(u32, -1, 5) = %d, want 5", got)
	}
	if got := int32(uint32(call(t, in, "t_max_t_s32", 0xffffffff, 5))); got != 5 {
		t.Errorf("max_t(s32, 0xffffffff, 5) = %d, want 5", got)
	}
}

func TestShimJiffies(t *testing.T) {
	in := shimModule(t)
	// HZ = 1000: usecs_to_jiffies rounds up, msecs_to_jiffies is the
	// identity, jiffies_to_usecs scales back.
	for us, want := range map[uint64]uint64{0: 0, 1: 1, 999: 1, 1000: 1, 1001: 2, 40000: 40, 40001: 41} {
		if got := call(t, in, "t_usecs_to_jiffies", us); got != want {
			t.Errorf("usecs_to_jiffies(%d) = %d, want %d", us, got, want)
		}
	}
	if got := call(t, in, "t_msecs_to_jiffies", 20); got != 20 {
		t.Errorf("msecs_to_jiffies(20) = %d, want 20", got)
	}
	if got := call(t, in, "t_jiffies_to_usecs", 3); got != 3000 {
		t.Errorf("jiffies_to_usecs(3) = %d, want 3000", got)
	}
}

func TestShimCmpxchg(t *testing.T) {
	in := shimModule(t)
	// BBR's cmpxchg(&sk_pacing_status, NONE, NEEDED): swaps only from the
	// expected value and returns what was there.
	if seen, now := hiLo(call(t, in, "t_cmpxchg", 0, 0, 1)); seen != 0 || now != 1 {
		t.Errorf("cmpxchg(0 → 1 from 0) saw %d, left %d; want 0, 1", seen, now)
	}
	if seen, now := hiLo(call(t, in, "t_cmpxchg", 2, 0, 1)); seen != 2 || now != 2 {
		t.Errorf("cmpxchg(0 → 1 from 2) saw %d, left %d; want 2, 2", seen, now)
	}
}

func TestShimRandom(t *testing.T) {
	in := shimModule(t)
	const seed = 0x0123456789abcdef
	in.set(ioSeed, seed)
	call(t, in, "ccb_seed", 0)
	// The generator is SplitMix64, its high 32 bits per draw.
	state := uint64(seed)
	next := func() uint32 {
		state += 0x9e3779b97f4a7c15
		return uint32(cc.Mix64(state-0x9e3779b97f4a7c15) >> 32)
	}
	for i := range 4 {
		if got, want := uint32(call(t, in, "t_random_u32")), next(); got != want {
			t.Fatalf("draw %d = %#x, want %#x", i, got, want)
		}
	}
	// prandom_u32_max(n) = (draw · n) >> 32, in [0, n).
	for _, n := range []uint32{1, 7, 1000} {
		want := uint32(uint64(next()) * uint64(n) >> 32)
		if got := uint32(call(t, in, "t_prandom_u32_max", uint64(n))); got != want || got >= n {
			t.Errorf("prandom_u32_max(%d) = %d, want %d", n, got, want)
		}
	}
}
