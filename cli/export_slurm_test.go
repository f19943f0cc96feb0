package cli

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExportSlurmOnRealSlurm runs an exported script on a one-node Slurm
// cluster that the test starts (munged, slurmctld and slurmd from Debian's
// munge and slurm-wlm, as root, with a slurm.conf of its own in a temporary
// folder and free ports), requeues task 1 while it runs, and checks that
// the merge job, which waits for the array with afterok, leaves results
// equal to an unsharded run's, wall clock and provenance aside.
func TestExportSlurmOnRealSlurm(t *testing.T) {
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "scontrol"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("no %s: install munge and slurm-wlm to run the exported script on a real Slurm", bin)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: the test starts munged, slurmctld and slurmd itself")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // munged wants its socket's folders searchable
		t.Fatal(err)
	}
	conf := startSlurm(t, dir)
	env := append(os.Environ(), "SLURM_CONF="+conf)

	// Points long enough (a second or more each) that task 1 is requeued
	// while it runs its first.
	sweep := filepath.Join(dir, "slow.toml")
	src, err := os.ReadFile(sweepFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sweep, []byte(strings.Replace(string(src), `duration = "1s"`, `duration = "300s"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	whole := t.TempDir()
	if code, _, errs := runCLI(t, "run", sweep, "--out", whole); code != 0 {
		t.Fatal(errs)
	}

	ccbench := filepath.Join(dir, "bin", "ccbench")
	writeScript(t, ccbench, "CCBENCH_HELPER_CLI=1 exec "+shellQuote(os.Args[0])+" -test.run='^TestHelperCLI$' -- \"$@\"\n")
	out := filepath.Join(dir, "results")
	t.Chdir(dir) // the jobs start, and write their logs, where export ran
	code, script, errs := runCLI(t, "export", "slurm", sweep, "--shards", "3", "--ccbench", ccbench, "--out", out, "--time", "10:00")
	if code != 0 {
		t.Fatal(errs)
	}
	submit := exec.Command("bash", "-c", script)
	submit.Dir, submit.Env = dir, env
	said, err := submit.CombinedOutput()
	m := regexp.MustCompile(`^submitted job array (\d+) \(3 tasks\) and merge job (\d+),`).FindSubmatch(said)
	if err != nil || m == nil {
		t.Fatalf("submit: %v: %s", err, said)
	}
	array, merge := string(m[1]), string(m[2])

	state := func(job, field string) string {
		show := exec.Command("scontrol", "show", "job", job)
		show.Env = env
		b, _ := show.Output()
		f := regexp.MustCompile(`\b` + field + `=(\S+)`).FindSubmatch(b)
		if f == nil {
			return ""
		}
		return string(f[1])
	}
	began := time.Now()
	waitFor := func(what string, done func() bool) {
		t.Helper()
		defer func() { t.Logf("%.1fs: %s", time.Since(began).Seconds(), what) }()
		for deadline := time.Now().Add(40 * time.Second); !done(); time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				show := exec.Command("scontrol", "show", "job")
				show.Env = env
				jobs, _ := show.CombinedOutput()
				logs, _ := exec.Command("sh", "-c", "tail -n 5 slurm-*.out").CombinedOutput()
				t.Fatalf("waited 40s for %s; jobs:\n%s\nlogs:\n%s", what, jobs, logs)
			}
		}
	}
	task1 := array + "_1"
	waitFor("task 1 to run", func() bool { return state(task1, "JobState") == "RUNNING" })
	time.Sleep(300 * time.Millisecond)
	scontrol := func(args ...string) {
		t.Helper()
		c := exec.Command("scontrol", args...)
		c.Env = env
		if b, err := c.CombinedOutput(); err != nil {
			t.Fatalf("scontrol %q: %v: %s", args, err, b)
		}
	}
	scontrol("requeue", task1)
	// Slurm holds a requeued job back (Reason=BeginTime) for a couple of
	// minutes once it is pending again; the test lets it start at once.
	waitFor("task 1 to start again", func() bool {
		if state(task1, "Reason") == "BeginTime" {
			scontrol("update", "jobid="+task1, "StartTime=now")
		}
		s := state(task1, "JobState")
		return state(task1, "Restarts") == "1" && (s == "RUNNING" || s == "COMPLETED")
	})
	waitFor("the merge job to finish", func() bool {
		s := state(merge, "JobState")
		return s == "COMPLETED" || s == "FAILED" || s == "CANCELLED"
	})
	if s := state(merge, "JobState"); s != "COMPLETED" {
		log, _ := os.ReadFile(filepath.Join(dir, "slurm-"+merge+".out"))
		t.Fatalf("merge job %s: %s\n%s", merge, s, log)
	}
	if r := state(task1, "Restarts"); r != "1" {
		t.Errorf("task 1 restarted %q times, want 1 (the requeue)", r)
	}
	// The second attempt found what the first finished before it was
	// stopped, and ran the rest.
	log, err := os.ReadFile(filepath.Join(dir, "slurm-"+array+"_1.out"))
	if n := regexp.MustCompile(`(\d+) reused`).FindSubmatch(log); err != nil || n == nil || string(n[1]) == "3" {
		t.Errorf("task 1 after its requeue: %v\n%s\nwant it to reuse fewer than its 3 points: requeued mid-run", err, log)
	}
	sameResults(t, filepath.Join(whole, "tiny"), filepath.Join(out, "tiny"))
}

// startSlurm starts munged, slurmctld and slurmd for a one-node cluster
// whose files all live in dir, stops them when the test ends, and returns
// the slurm.conf to name in SLURM_CONF.
func startSlurm(t *testing.T, dir string) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	munge := filepath.Join(dir, "munge")
	for _, d := range []string{munge, filepath.Join(dir, "state"), filepath.Join(dir, "spool")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 1024)
	for i := range key {
		key[i] = byte(i*7 + time.Now().Nanosecond())
	}
	if err := os.WriteFile(filepath.Join(munge, "munge.key"), key, 0o400); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(munge, "munge.socket")
	conf := filepath.Join(dir, "slurm.conf")
	text := fmt.Sprintf(`ClusterName=ccbenchtest
SlurmctldHost=%[1]s
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=%[2]s
CredType=cred/munge
StateSaveLocation=%[3]s/state
SlurmdSpoolDir=%[3]s/spool
SlurmctldPidFile=%[3]s/slurmctld.pid
SlurmdPidFile=%[3]s/slurmd.pid
SlurmctldPort=%[4]d
SlurmdPort=%[5]d
SlurmctldLogFile=%[3]s/slurmctld.log
SlurmdLogFile=%[3]s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
KillWait=5
MinJobAge=600
NodeName=%[1]s CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, socket, dir, freePort(t), freePort(t))
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SLURM_CONF="+conf)
	for _, d := range []struct {
		pidFile string
		cmd     []string
	}{
		{filepath.Join(munge, "munged.pid"), []string{"munged", "--force", "--socket=" + socket, "--key-file=" + filepath.Join(munge, "munge.key"),
			"--pid-file=" + filepath.Join(munge, "munged.pid"), "--log-file=" + filepath.Join(munge, "munged.log"), "--seed-file=" + filepath.Join(munge, "seed")}},
		{filepath.Join(dir, "slurmctld.pid"), []string{"slurmctld", "-c", "-i"}},
		{filepath.Join(dir, "slurmd.pid"), []string{"slurmd"}},
	} {
		c := exec.Command(d.cmd[0], d.cmd[1:]...)
		c.Env = env
		if b, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", d.cmd[0], err, b)
		}
		// Each daemonizes and writes its pid file; stop it by that pid
		// and wait until it has gone, before its folder is removed.
		t.Cleanup(func() {
			b, err := os.ReadFile(d.pidFile)
			if err != nil {
				return
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || syscall.Kill(pid, syscall.SIGTERM) != nil {
				return
			}
			for deadline := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	return conf
}

// freePort returns a TCP port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
