package main

import (
	"os"
	"slices"
	"testing"
	"time"
)

func TestPiecesByNode(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []nodeCount
	}{
		{"spread", `{"export":{"role_arn":"r","s3_url_prefix":"s3://b/"},"snapshot":9,"pieces":[
			{"index":0,"from":0,"to":3,"count":3,"status":"DONE","node":"node2"},
			{"index":1,"from":3,"to":6,"count":3,"status":"DONE","node":"node1"},
			{"index":2,"from":6,"to":9,"count":3,"status":"DONE","node":"node2"},
			{"index":3,"from":9,"to":9,"count":0,"status":"PENDING"}]}`,
			[]nodeCount{{"(none)", 1}, {"node1", 1}, {"node2", 2}}},
		{"no pieces", `{"snapshot":0}`, []nodeCount{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := piecesByNode([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := piecesByNode([]byte(`{"pieces":`)); err == nil {
		t.Error("truncated JSON: got no error")
	}
	if got, want := fmtPieces([]nodeCount{{"node1", 4}, {"node2", 6}}), "node1 4, node2 6"; got != want {
		t.Errorf("fmtPieces: got %q, want %q", got, want)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and a parenthesis; ppid 17, utime 250,
	// stime 50, cutime 1000, cstime 200 ticks.
	line := "4242 (post gres: x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 1000 200 20 0 1 0 5 100 10 18446744073709551615"
	got, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	want := procTimes{PPID: 17, Self: 3 * time.Second, Children: 12 * time.Second}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "1 (x) S 1 2 3", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s 1 2"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q): got no error", bad)
		}
	}
}

func TestTreeCPUOfSelf(t *testing.T) {
	self, err := readStat(os.Getpid())
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if self.PPID != os.Getppid() {
		t.Errorf("ppid: got %d, want %d", self.PPID, os.Getppid())
	}
	tree, err := treeCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if tree < self.Self {
		t.Errorf("treeCPU %s < own CPU %s", tree, self.Self)
	}
}

func TestCoverage(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ivs := [][2]time.Time{{at(-5), at(2)}, {at(2.5), at(6)}, {at(9), at(20)}}
	tests := []struct {
		from, to float64
		want     float64
	}{
		{0, 10, 0.65}, // 2 + 3.5 + 1 of 10
		{2, 2.5, 0},
		{3, 5, 1},
		{5, 5, 0},
	}
	for _, tt := range tests {
		if got := coverage(ivs, at(tt.from), at(tt.to)); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("coverage [%g, %g]: got %g, want %g", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestFmtCPU(t *testing.T) {
	s := cpuSample{"node1": 3 * time.Second, "postgres": time.Second, "other": time.Hour}
	got := fmtCPU(s, []string{"node1", "node2", "postgres"}, 4*time.Second)
	want := "node1 3.0 s (0.75), postgres 1.0 s (0.25); total 4.0 s (1.00 cores)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	before := cpuSample{"node1": time.Second, "gone": time.Second}
	if d := (cpuSample{"node1": 3 * time.Second, "new": time.Second}).since(before); len(d) != 1 || d["node1"] != 2*time.Second {
		t.Errorf("since: got %v, want node1 2s only", d)
	}
}

func TestSumPieces(t *testing.T) {
	ps := [][]nodeCount{
		{{"node1", 4}, {"node2", 3}, {"node3", 3}},
		{{"node1", 6}, {"node3", 4}},
	}
	sum, least := sumPieces(ps)
	if want := []nodeCount{{"node1", 10}, {"node2", 3}, {"node3", 7}}; !slices.Equal(sum, want) {
		t.Errorf("sum: got %v, want %v", sum, want)
	}
	if least != 0 {
		t.Errorf("least: got %d, want 0 (node2 finished none of the second job)", least)
	}
	if _, least := sumPieces(ps[:1]); least != 3 {
		t.Errorf("least of the first job: got %d, want 3", least)
	}
	if sum, least := sumPieces(nil); len(sum) != 0 || least != 0 {
		t.Errorf("no jobs: got %v, %d", sum, least)
	}
}
