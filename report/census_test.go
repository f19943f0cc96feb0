package report

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

func testCensus() *metrics.Census {
	c := &metrics.Census{Hosts: []string{"server", "client0"}}
	for k := range 3 {
		c.Times = append(c.Times, units.Time(k)*units.Time(500*units.Millisecond))
		var srv, cl metrics.CensusRow
		srv.States[0] = 1 // LISTEN
		srv.States[2] = int32(10 * k)
		srv.SYNQueue, srv.AcceptQueue = int32(10*k), int32(k)
		cl.States[metrics.CensusTimeWait] = int32(100 * k)
		c.Rows = append(c.Rows, srv, cl)
	}
	return c
}

func testAttempts() []metrics.Attempt {
	ms := units.Time(units.Millisecond)
	return []metrics.Attempt{
		{Host: 1, LocalPort: 32768, Start: 0, Established: 20 * ms, Done: 40 * ms, Outcome: metrics.OutcomeOK},
		{Host: 1, Start: 50 * ms, Established: -1, Done: 50 * ms, Outcome: metrics.OutcomeNoPort},
		{Host: 1, LocalPort: 32769, Start: 100 * ms, Established: -1, Done: 7100 * ms, Outcome: metrics.OutcomeTimeout},
		{Host: 1, LocalPort: 32770, Start: 200 * ms, Established: 220 * ms, Done: -1, Outcome: metrics.OutcomeUnfinished},
	}
}

func TestCensusCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, CensusFile)
	c := testCensus()
	if err := WriteCensusCSV(path, c); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	if lines[0] != "time_s,host,listen,syn_sent,syn_received,established,fin_wait_1,fin_wait_2,close_wait,closing,last_ack,time_wait,syn_queue,accept_queue" ||
		lines[3] != "0.500000,server,1,0,10,0,0,0,0,0,0,0,10,1" || lines[6] != "1.000000,client0,0,0,0,0,0,0,0,0,0,200,0,0" {
		t.Errorf("census.csv:\n%s", data)
	}
	back, err := ReadCensusCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("read back %+v, want %+v", back, c)
	}
}

func TestConnectionsCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), ConnectionsFile)
	if err := WriteConnectionsCSV(path, []string{"server", "client0"}, testAttempts()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := ConnectionsCSVHeader +
		"client0,32768,0.000000,0.020000,0.040000,20.000,40.000,ok\n" +
		"client0,,0.050000,,0.050000,,,no_port\n" +
		"client0,32769,0.100000,,7.100000,,,timeout\n" +
		"client0,32770,0.200000,0.220000,,20.000,,unfinished\n"
	if string(data) != want {
		t.Errorf("connections.csv:\n%s\nwant\n%s", data, want)
	}
	conns, err := ReadConnectionsCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 4 || conns[0].FCTMs != 40 || !math.IsNaN(conns[1].ConnectMs) || conns[2].Outcome != "timeout" || conns[3].Established != 0.22 {
		t.Errorf("read back %+v", conns)
	}
}

func TestLifecyclePlots(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCensusCSV(filepath.Join(dir, CensusFile), testCensus()); err != nil {
		t.Fatal(err)
	}
	if err := WriteConnectionsCSV(filepath.Join(dir, ConnectionsFile), []string{"server", "client0"}, testAttempts()); err != nil {
		t.Fatal(err)
	}
	if err := LifecyclePlots(dir, "test", 128); err != nil {
		t.Fatal(err)
	}
	for _, name := range LifecycleFigures([]string{"server", "client0"}) {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, name+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", name, ext, err)
			}
		}
	}
}

// Beyond maxCensusClients client hosts, one figure sums the clients.
func TestCensusGroups(t *testing.T) {
	few := LifecycleFigures([]string{"server", "client0", "client1"})
	if !reflect.DeepEqual(few, []string{"census-server", "census-client0", "census-client1", "queues", "connect"}) {
		t.Errorf("figures %v", few)
	}
	hosts := []string{"server"}
	for i := range maxCensusClients + 1 {
		hosts = append(hosts, "client"+string(rune('0'+i)))
	}
	if many := LifecycleFigures(hosts); !reflect.DeepEqual(many, []string{"census-server", "census-clients", "queues", "connect"}) {
		t.Errorf("figures %v", many)
	}
}

// A sweep of lifecycle runs gets the success and FCT figures, one line
// per value of the settings not on the x axis.
func TestLifecycleSweepFigures(t *testing.T) {
	dir := t.TempDir()
	idx := &Index{Title: "synflood", Keys: []string{"server.backlog", "tcp.syn_cookies"}, XLabel: "server.backlog"}
	for _, b := range []float64{64, 128} {
		for _, cookies := range []string{"true", "false"} {
			ratio := 1.0
			if cookies == "false" {
				ratio = 0.01
			}
			idx.Runs = append(idx.Runs, IndexRun{Values: []string{"x", cookies}, X: b,
				Summary: &metrics.Summary{Lifecycle: &metrics.LifecycleSummary{SuccessRatio: ratio}}})
		}
	}
	if got := otherSettings(idx); !reflect.DeepEqual(got, []string{"tcp.syn_cookies=true", "tcp.syn_cookies=false", "tcp.syn_cookies=true", "tcp.syn_cookies=false"}) {
		t.Errorf("groups %v", got)
	}
	names, err := lifecycleSweepFigures(idx, dir)
	if err != nil || !reflect.DeepEqual(names, []string{"sweep-connect-success", "sweep-lifecycle-fct"}) {
		t.Fatalf("figures %v, %v", names, err)
	}
	idx.Runs[0].Summary.Lifecycle = nil
	if names, _ := lifecycleSweepFigures(idx, dir); names != nil {
		t.Errorf("a sweep with a non-lifecycle run drew %v", names)
	}
}
