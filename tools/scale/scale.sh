#!/bin/sh
# scale.sh: the issue-15 scale and memory checks, whole process, as a new
# user runs them: peak resident memory from /usr/bin/time -v, resident
# memory over time from /proc (sampled every second), simulated segments
# and segments per wall second from summary.json.
#
#   tools/scale/scale.sh [CASE...]     (default: every case)
#
# Cases: bottleneck bottleneck-64mib flows-64 flows-2000 flows-10k 10gbit
#        long-1mbit flat-1200s websearch
# SCALE_BIN names a ccbench binary to use instead of building one.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
bin=${SCALE_BIN:-}
if [ -z "$bin" ]; then
	bin=$tmp/ccbench
	(cd "$root" && go build -o "$bin" ./cmd/ccbench)
fi
[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time is missing (Debian package: time)"; exit 1; }
plots=--no-plots
"$bin" run --help 2>&1 | grep -q -- --no-plots || plots=

cases=${*:-bottleneck bottleneck-64mib flows-64 flows-2000 flows-10k 10gbit long-1mbit flat-1200s websearch}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; ccbench $plots"
printf '%-16s %9s %9s %10s %12s %10s  %s\n' case wall_s user_s peak_MiB segments Mseg/s "RSS MiB at 25/50/75/100% of wall"
for c in $cases; do
	exp=$root/experiments/bottleneck.toml
	set --
	case $c in
	bottleneck) ;;
	bottleneck-64mib) set -- --set tcp.rcv_buffer=64MiB --set tcp.snd_buffer=64MiB ;;
	flows-64) exp=$root/experiments/scale/flows-64.toml ;;
	flows-10k) exp=$root/experiments/scale/flows-10k.toml ;;
	10gbit) exp=$root/experiments/scale/10gbit.toml ;;
	flows-2000) set -- --set flows[0].count=2000 ;;
	long-1mbit) set -- --set link.rate=1Mbit/s --set duration=1000000s ;;
	flat-1200s) set -- --set duration=1200s ;;
	websearch) exp=$root/experiments/websearch.toml ;;
	*) echo "scale.sh: unknown case $c"; exit 2 ;;
	esac
	out=$tmp/out-$c
	/usr/bin/time -v -o "$tmp/time-$c" "$bin" run "$exp" --out "$out" --no-budget $plots "$@" >"$tmp/log-$c" 2>&1 &
	tpid=$!
	: >"$tmp/rss-$c"
	while kill -0 $tpid 2>/dev/null; do
		pid=$(pgrep -P $tpid | head -1 || true)
		[ -n "$pid" ] && awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null >>"$tmp/rss-$c" || true
		sleep 1
	done
	if ! wait $tpid; then
		echo "$c: failed:"; tail -5 "$tmp/log-$c"; continue
	fi
	wall=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/time-$c")
	user=$(awk -F': ' '/User time/ {print $2}' "$tmp/time-$c")
	peak=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$tmp/time-$c")
	segs=$(cat $(find "$out" -name summary.json) | awk -F'[:,]' '/"segments"/ {s+=$2} END {print s+0}')
	simw=$(cat $(find "$out" -name summary.json) | awk -F'[:,]' '/"(sim_)?wall_seconds"/ {s+=$2} END {print s+0}')
	rate=$(awk -v s="$segs" -v w="$simw" 'BEGIN { if (w > 0) printf "%.2f", s/w/1e6; else print "-" }')
	over=$(awk '{v[NR]=$1} END { if (NR==0) {print "-"; exit} printf "%d/%d/%d/%d", v[int(NR*.25)+(NR*.25<1)]/1024, v[int(NR*.5)+(NR*.5<1)]/1024, v[int(NR*.75)+(NR*.75<1)]/1024, v[NR]/1024 }' "$tmp/rss-$c")
	printf '%-16s %9s %9s %10s %12s %10s  %s\n' "$c" "$wall" "$user" "$peak" "$segs" "$rate" "$over"
done
