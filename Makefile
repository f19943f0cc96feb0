# ccbench: build, run the shipped experiment, test, benchmark.
GO ?= go

.PHONY: build run test bench fuzz cover clean tun-test tun-interop

# -buildvcs=auto records the commit in the binary (ccbench --version,
# summary.json's provenance) even where GOFLAGS turns it off; `go run` never
# records it, and its results say "unknown". CGO_ENABLED=0 links it
# statically, as the Dockerfile does: only package net would use cgo (for
# name lookups ccbench never makes), and without it a process skips the
# dynamic loader, libc and cgo's thread and signal setup, about 0.8 ms of
# CPU and 70 page faults of every run.
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -o bin/ccbench ./cmd/ccbench

# The main job: the shipped bottleneck experiment; results land in results/.
run:
	$(GO) run ./cmd/ccbench run experiments/bottleneck.toml

# Every test (what CI runs).
test:
	$(GO) test ./...

# Hot-path benchmarks with allocation counts.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Longer fuzzing of the wire decoder and option parser (not in CI).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./wire -run '^$$' -fuzz FuzzDecodeSegment -fuzztime $(FUZZTIME)
	$(GO) test ./wire -run '^$$' -fuzz FuzzParseOptions -fuzztime $(FUZZTIME)
	$(GO) test ./stack -run '^$$' -fuzz '^FuzzConnection$$' -fuzztime $(FUZZTIME)
	$(GO) test ./stack -run '^$$' -fuzz '^FuzzPairMutatingLink$$' -fuzztime $(FUZZTIME)

# torture is the long reliability run (not in CI): every fuzz target for
# TORTURE_FUZZTIME, a matrix of hostile inputs through the CLI, and a sweep
# killed with SIGKILL again and again and resumed; it prints one table and
# fails if any case did not hold.
TORTURE_FUZZTIME ?= 5m
.PHONY: torture
torture:
	$(GO) run ./tools/torture -fuzztime $(TORTURE_FUZZTIME)

# CPU profile of the bottleneck run, for "where does the time go".
profile:
	$(GO) test ./runner -run '^$$' -bench BenchmarkSegmentThroughSim -benchtime 3s -cpuprofile cpu.prof
	$(GO) tool pprof -top -nodecount 30 runner.test cpu.prof

clean:
	rm -rf bin results/*/ cpu.prof runner.test

# tun-test runs the real-time driver's tests (root and /dev/net/tun; they
# skip otherwise) and its relay benchmarks.
tun-test:
	go test ./tun/...
	go test ./tun/ -run '^$$' -bench . -benchtime 100000x

# tun-interop moves 100 MiB each way between ccbench's stack and the
# kernel's TCP through 1% loss and 20 ms each way (several minutes).
tun-interop:
	CCBENCH_INTEROP_MIB=100 go test ./tun/ -run 'StackSends|KernelSends' -v -timeout 30m

# regress runs the shipped bottleneck experiment and compares it with the
# committed baseline: it fails if goodput fell by more than 3% or the 95th
# percentile RTT rose by more than 10%.
.PHONY: regress
regress:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) run ./cmd/ccbench run experiments/bottleneck.toml --out "$$tmp" --run current >/dev/null && \
	$(GO) run ./cmd/ccbench compare results/baselines/bottleneck/seed-1 "$$tmp/bottleneck/current" --max goodput=-3% --max rtt_p95=+10%

# linux-reference runs ccbench's reno, cubic and bbr against the kernel's
# over TUN (50 Mbit/s, 40 ms, 0.25/1/4 BDP, 30 s each: about ten minutes)
# and prints goodput, retransmissions and slow-start peaks side by side;
# it fails when cubic or bbr at 1 BDP strays past the promised bounds.
.PHONY: linux-reference
linux-reference:
	CCBENCH_LINUX_REFERENCE=1 $(GO) test ./tun/tunrun -run '^TestLinuxReference$$' -v -timeout 40m

# tun-gigabit runs the kernel's CUBIC for 10 s through a 1 Gbit/s, 20 ms
# dumbbell over TUN (root and /dev/net/tun) and prints the run's verdict:
# valid with its goodput, or invalid with every reason, and the packets
# lost outside the emulated link by place. self_check=warn lets the run
# happen on a busy machine, where its own figures then mark it invalid.
.PHONY: tun-gigabit
tun-gigabit: build
	bin/ccbench run experiments/bottleneck.toml --set driver=tun --set flows[0].cc=linux:cubic \
		--set link.rate=1Gbit/s --set link.delay=10ms --set reverse.delay=10ms --set duration=10s \
		--set self_check=warn --no-plots --out $${TMPDIR:-/tmp}/ccbench-tun-gigabit

# race-output runs the issue's 50 rounds of 6 parallel runs into one --run
# folder, and the signal tests (CI runs 10 rounds: CCBENCH_PARALLEL_ROUNDS).
.PHONY: race-output
race-output:
	CCBENCH_PARALLEL_ROUNDS=50 $(GO) test ./cli -count=1 -v -run 'TestParallelRunsIntoOneFolder|TestSignalledRunsLeaveNoTemporaryFolders|TestSweepSecondSignalLeavesNoTemporaryFolders|TestCleanupLeavesLiveRunsAlone'

# scale runs the issue-15 scale and memory cases as whole processes (10 000
# flows, 64 flows at 1 Gbit/s, 10 Gbit/s, a 1 000 000 s run, ...) and prints
# wall time, peak and over-time resident memory, and segments per second.
# SCALE_CASES picks cases; the whole set takes several minutes.
.PHONY: scale
scale:
	tools/scale/scale.sh $(SCALE_CASES)

# pgo rewrites cmd/ccbench/default.pgo, the CPU profile Go's compiler
# uses to build ccbench (profile-guided optimization: hot calls inlined
# and laid out for the simulator's loop; results are the same bit for
# bit). It profiles what users run most: the shipped bottleneck (Reno),
# a paced flow in steady state (BBR) and 64 CUBIC flows at 1 Gbit/s.
.PHONY: pgo
pgo:
	@tmp=$$(mktemp -d) && \
	$(GO) test ./runner -run '^$$' -bench 'BottleneckRun$$' -benchtime 8x -cpuprofile $$tmp/a.prof -o $$tmp/r.test >/dev/null && \
	$(GO) test ./runner -run '^$$' -bench 'PacedSegmentThroughSim$$' -benchtime 2000000x -cpuprofile $$tmp/b.prof -o $$tmp/r.test >/dev/null && \
	$(GO) test ./runner -run '^$$' -bench 'Scale1Gbit64Flows$$' -benchtime 2x -cpuprofile $$tmp/c.prof -o $$tmp/r.test >/dev/null && \
	$(GO) tool pprof -proto $$tmp/a.prof $$tmp/b.prof $$tmp/c.prof > cmd/ccbench/default.pgo 2>/dev/null; \
	status=$$?; rm -rf $$tmp; exit $$status

# hop-cost measures issue 16's bound on forwarding: a segment through a
# 3-hop path against a 1-hop path, as runner's benchmarks in separate
# processes pinned to one core, interleaved HOPCOST_PAIRS times, and in one
# process (BenchmarkSegmentHopRatio, alternating chunks of 20 000 segments,
# which load that comes and goes falls on alike). HOPCOST_FLAGS=-callgrind
# adds instruction counts per segment (valgrind).
HOPCOST_PAIRS ?= 9
HOPCOST_FLAGS ?=
.PHONY: hop-cost
hop-cost:
	$(GO) run ./tools/hopcost -pairs $(HOPCOST_PAIRS) $(HOPCOST_FLAGS)
	$(GO) test ./runner -run '^$$' -bench 'SegmentHopRatio' -benchtime 60x -count 3

# ns3-compare times ccbench against ns-3 (Debian's libns3-dev; it skips in
# one line without) on issue 15's dumbbells: tools/ns3/dumbbell.cc and
# ccbench, interleaved NS3_REPS times on one core, medians, ratios against
# the targets, and both simulators' goodput and segments (several minutes).
NS3_REPS ?= 3
.PHONY: ns3-compare
ns3-compare:
	$(GO) run ./tools/ns3/compare -reps $(NS3_REPS)

# fidelity runs reno, cubic and bbr at 0.25, 1 and 4 BDP, three seeds each,
# on tun-reference's bottleneck (experiments/fidelity.toml) three ways: the
# sim with ccbench's algorithm, the tun driver with ccbench's and with the
# kernel's. It prints, per algorithm, buffer and way, the median and spread
# (min–max) over the seeds of goodput, retransmits and RTT p50/p95, and how
# many repeats were invalid. Root and /dev/net/tun; the 54 real-time runs
# take FIDELITY_DURATION of wall time each (10 s: about 10 minutes in all).
# FIDELITY_FLAGS=-table-only prints the table again from the results;
# -resume reuses points already run with the same settings.
FIDELITY_DURATION ?= 10s
FIDELITY_REPS ?= 3
FIDELITY_BUFFERS ?= 0.25bdp,1bdp,4bdp
FIDELITY_ALGORITHMS ?= reno,cubic,bbr
FIDELITY_OUT ?= results/fidelity
FIDELITY_FLAGS ?=
.PHONY: fidelity
fidelity: build
	$(GO) run ./tools/fidelity -ccbench bin/ccbench -out $(FIDELITY_OUT) -duration $(FIDELITY_DURATION) \
		-reps $(FIDELITY_REPS) -buffers $(FIDELITY_BUFFERS) -algorithms $(FIDELITY_ALGORITHMS) $(FIDELITY_FLAGS)

# kernel-compare is issue 19's three columns on the shipped bottleneck
# (experiments/kernel-compare.toml: 100 Mbit/s, 40 ms, 1 BDP, 30 s): cubic,
# bbr and reno as ccbench's port (sim), as Linux's module on ccbench's
# stack (kernel:NAME, sim) and as the kernel itself over TUN (linux:NAME).
# It prints goodput, retransmits and RTT p50/p95/p99 per column, each
# against the kernel's goodput, and draws cwnd-ALG-BUFFER.png overlaying
# the columns' congestion windows. The real-time column needs root and
# /dev/net/tun (left out in one line without them) and takes
# KERNEL_COMPARE_DURATION of wall time per algorithm and buffer; the
# modules need clang, lld and linux-source-6.1. KERNEL_COMPARE_FLAGS adds
# flags: -module-tun (kernel:NAME over TUN too), -no-tun, -table-only,
# -resume, -reps N.
KERNEL_COMPARE_DURATION ?= 30s
KERNEL_COMPARE_BUFFERS ?= 1bdp
KERNEL_COMPARE_ALGORITHMS ?= cubic,bbr,reno
KERNEL_COMPARE_OUT ?= results/kernel-compare
KERNEL_COMPARE_FLAGS ?=
.PHONY: kernel-compare
kernel-compare: build
	$(GO) run ./tools/fidelity -mode kernel -ccbench bin/ccbench -out $(KERNEL_COMPARE_OUT) -duration $(KERNEL_COMPARE_DURATION) \
		-buffers $(KERNEL_COMPARE_BUFFERS) -algorithms $(KERNEL_COMPARE_ALGORITHMS) $(KERNEL_COMPARE_FLAGS)

# packetdrill-upstream plays google/packetdrill's own TCP scripts
# (gtests/net/tcp of a checkout at PACKETDRILL_DIR, which this repository
# never holds) against the stack and ends with the count of scripts that
# pass, fail and are unsupported; each unsupported one names the statement
# the runner cannot express. A report, not a test: failures do not fail it.
PACKETDRILL_DIR ?= ../packetdrill
.PHONY: packetdrill-upstream
packetdrill-upstream: build
	@test -d $(PACKETDRILL_DIR)/gtests/net/tcp || { echo "PACKETDRILL_DIR=$(PACKETDRILL_DIR) has no gtests/net/tcp: point it at a google/packetdrill checkout" >&2; exit 2; }
	-bin/ccbench packetdrill $$(find $(PACKETDRILL_DIR)/gtests/net/tcp -name '*.pkt' | sort)

# Linux's congestion-control modules compiled to wasm for kernel:NAME
# (kernelcc/): builds each from Debian's linux-source-6.1 (or the tree in
# CCBENCH_KERNEL_SRC) into the user cache and copies it to KERNEL_OUT.
# Needs clang, lld and linux-source-6.1 (apt-get install clang lld
# linux-source-6.1). ccbench also builds a module on first use.
KERNEL_MODULES ?= cubic reno bbr dctcp vegas westwood highspeed htcp illinois bic hybla yeah scalable veno lp nv
KERNEL_OUT ?= bin/kernel
.PHONY: kernel-modules
kernel-modules:
	$(GO) run ./cmd/ccbench kernel build --out $(KERNEL_OUT) $(KERNEL_MODULES)
