package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// cluster is one started by scripts/cluster.sh, as a user starts one.
type cluster struct {
	dir      string
	database string
	s3       *awss3.Client
	nodes    []clusterNode
}

type clusterNode struct {
	name string // node1, node2, ...
	url  string
	pid  int
	log  string // path of its log file
	pp   *pinpoint.Client
}

// startCluster runs `scripts/cluster.sh up` with n nodes of bin, the extra
// environment env, and brings it down when the test ends.
func startCluster(t *testing.T, bin string, n int, env ...string) *cluster {
	t.Helper()
	dir := t.TempDir()
	script, err := filepath.Abs("../../scripts/cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	up := exec.Command("bash", script, "up", dir, strconv.Itoa(n))
	up.Env = append(append(os.Environ(), "PINFOLD_BIN="+bin, "PINFOLD_LOG_FORMAT=json"), env...)
	var out bytes.Buffer
	up.Stdout, up.Stderr = &out, &out
	t.Cleanup(func() {
		down := exec.Command("bash", script, "down", dir)
		if b, err := down.CombinedOutput(); err != nil {
			t.Errorf("cluster.sh down: %v\n%s", err, b)
		}
	})
	if err := up.Run(); err != nil {
		t.Fatalf("cluster.sh up: %v\n%s", err, out.String())
	}
	vars := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = strings.Trim(v, "'")
		}
	}
	c := &cluster{dir: dir, database: vars["DATABASE_URL"]}
	c.s3 = awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(vars["S3_ENDPOINT"]), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(vars["S3_ACCESS_KEY"], vars["S3_SECRET_KEY"], "")})
	for k := 1; k <= n; k++ {
		name := fmt.Sprint("node", k)
		url, err := os.ReadFile(filepath.Join(dir, name+".url"))
		if err != nil {
			t.Fatal(err)
		}
		pidText, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
		if err != nil {
			t.Fatal(err)
		}
		u := strings.TrimSpace(string(url))
		c.nodes = append(c.nodes, clusterNode{name: name, url: u, pid: pid, log: filepath.Join(dir, name+".log"),
			pp: pinpoint.New(pinpoint.Options{Region: "us-east-1", BaseEndpoint: aws.String(u),
				Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})})
	}
	return c
}

// waitPieceStarted waits until a node in nodes logs that it started its
// nth piece of job, and returns that node's index in c.nodes and the
// piece's index. With one worker per node, a node's second piece starts
// after its first is done. Node logs are files, read as they grow.
func (c *cluster) waitPieceStarted(t *testing.T, jobID string, nodes []int, nth int) (node, piece int) {
	t.Helper()
	offsets := make([]int64, len(c.nodes))
	started := make([]int, len(c.nodes))
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(3 * time.Minute) // a safety net, not an assertion
	for {
		for _, k := range nodes {
			f, err := os.Open(c.nodes[k].log)
			if err != nil {
				t.Fatal(err)
			}
			f.Seek(offsets[k], 0)
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				line := sc.Bytes()
				if len(line) == 0 || line[len(line)-1] != '}' {
					break // a partial line: read it again next time
				}
				offsets[k] += int64(len(line)) + 1
				var m map[string]any
				if json.Unmarshal(line, &m) == nil && m["msg"] == "piece started" && m["job_id"] == jobID {
					if started[k]++; started[k] == nth {
						f.Close()
						return k, int(m["piece"].(float64))
					}
				}
			}
			f.Close()
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no node started a piece of job %s", jobID)
		}
	}
}

// kill ends node k with SIGKILL.
func (c *cluster) kill(t *testing.T, k int) {
	t.Helper()
	if err := syscall.Kill(c.nodes[k].pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", c.nodes[k].name, err)
	}
	os.Remove(filepath.Join(c.dir, c.nodes[k].name+".pid"))
}

// storedPieces reads a job's pieces from the database, with the node that
// finished each.
func (c *cluster) storedPieces(t *testing.T, jobID string) []struct {
	Index  int    `json:"index"`
	Status string `json:"status"`
	Node   string `json:"node"`
} {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var data []byte
	if err := conn.QueryRow(ctx, `SELECT data FROM jobs WHERE id = $1`, jobID).Scan(&data); err != nil {
		t.Fatalf("read job %s: %v", jobID, err)
	}
	var d struct {
		Pieces []struct {
			Index  int    `json:"index"`
			Status string `json:"status"`
			Node   string `json:"node"`
		} `json:"pieces"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return d.Pieces
}

// checkSpread checks that every piece was finished by a node, by more than
// one node in all (the killed node finished one before it was killed), and
// that the killed node did not finish the piece it was killed in.
func (c *cluster) checkSpread(t *testing.T, jobID string, killed, piece int) {
	t.Helper()
	by := map[string]int{}
	for _, p := range c.storedPieces(t, jobID) {
		if p.Status != string(pinfold.PieceDone) || p.Node == "" {
			t.Errorf("piece %d: status %s node %q", p.Index, p.Status, p.Node)
		}
		if p.Index == piece && p.Node == c.nodes[killed].name {
			t.Errorf("piece %d was finished by %s, the node killed in it: the kill came too late", piece, p.Node)
		}
		by[p.Node]++
	}
	t.Logf("job %s: pieces by node %v", jobID, by)
	if len(by) < 2 {
		t.Errorf("pieces by node %v: want work by more than one node", by)
	}
}

// waitFinished polls a job through node k's API until it is final.
func waitFinished(t *testing.T, get func() (string, error)) string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Minute) // a safety net, not an assertion
	for {
		status, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if pinfold.JobStatus(status).Finished() {
			return status
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("job still %s", status)
		}
	}
}

// TestCluster runs three nodes on one PostgreSQL and one S3 store, as
// scripts/cluster.sh brings them up, and kills a node with SIGKILL in the
// middle of its second piece, once during an export of 200,000 endpoints
// and once during an import of as many. Each job must end COMPLETED with every
// endpoint exactly once, its pieces finished by more than one node and the
// killed piece taken over by another node (River's rescuer, after the
// piece timeout plus the rescue margin).
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, versitygw and three nodes")
	}
	const total = 200_000
	bin := buildBinary(t)
	c := startCluster(t, bin, 3,
		"PINFOLD_JOBS_PIECE_SIZE=25000", "PINFOLD_JOBS_WORKERS=1",
		"PINFOLD_JOBS_PIECE_TIMEOUT=15s", "PINFOLD_JOBS_PLAN_TIMEOUT=15s", "PINFOLD_JOBS_RESCUE_MARGIN=5s",
		"PGOPTS=-c fsync=off")
	ctx := context.Background()
	if _, err := c.s3.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatal(err)
	}
	appID := newApp(t, c.nodes[0].pp)

	// Seed through every node at once.
	var wg sync.WaitGroup
	for k := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			share := total / len(c.nodes)
			from := k * share
			if k == len(c.nodes)-1 {
				share = total - from
			}
			seed(t, c.nodes[k].pp, appID, from, share)
		}()
	}
	wg.Wait()

	t.Run("Export", func(t *testing.T) {
		out, err := c.nodes[1].pp.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
			ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/all/")}})
		if err != nil {
			t.Fatal(err)
		}
		jobID := aws.ToString(out.ExportJobResponse.Id)
		killed, piece := c.waitPieceStarted(t, jobID, []int{0, 1, 2}, 2)
		c.kill(t, killed)
		start := time.Now()
		alive := c.nodes[(killed+1)%3].pp
		var job *types.ExportJobResponse
		status := waitFinished(t, func() (string, error) {
			o, err := alive.GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: &appID, JobId: &jobID})
			if err != nil {
				return "", err
			}
			job = o.ExportJobResponse
			return string(job.JobStatus), nil
		})
		t.Logf("export: killed %s in piece %d; the job finished %v later", c.nodes[killed].name, piece, time.Since(start).Round(time.Second))
		if status != string(types.JobStatusCompleted) || aws.ToInt32(job.TotalProcessed) != total {
			t.Fatalf("export %s processed %d failures %v", status, aws.ToInt32(job.TotalProcessed), job.Failures)
		}
		exactlyOnce(t, readExport(t, c.s3, "exports", "all/"), total)
		c.checkSpread(t, jobID, killed, piece)
		c.nodes = append(c.nodes[:killed:killed], c.nodes[killed+1:]...)
	})
	if t.Failed() {
		return
	}

	t.Run("Import", func(t *testing.T) {
		const objects = 8
		for o := range objects {
			var b bytes.Buffer
			for i := o * total / objects; i < (o+1)*total/objects; i++ {
				fmt.Fprintf(&b, `{"Id":"imp-%d","ChannelType":"EMAIL","Address":"imp%d@example.com","Attributes":{"Plan":["silver"]}}`+"\n", i, i)
			}
			putObject(t, c.s3, "exports", fmt.Sprintf("in/part-%d.json", o), b.Bytes())
		}
		out, err := c.nodes[0].pp.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: &appID,
			ImportJobRequest: &types.ImportJobRequest{Format: types.FormatJson, RoleArn: aws.String(testRole),
				S3Url: aws.String("s3://exports/in/")}})
		if err != nil {
			t.Fatal(err)
		}
		jobID := aws.ToString(out.ImportJobResponse.Id)
		killed, piece := c.waitPieceStarted(t, jobID, []int{0, 1}, 2)
		c.kill(t, killed)
		start := time.Now()
		alive := c.nodes[1-killed].pp
		var job *types.ImportJobResponse
		status := waitFinished(t, func() (string, error) {
			o, err := alive.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: &appID, JobId: &jobID})
			if err != nil {
				return "", err
			}
			job = o.ImportJobResponse
			return string(job.JobStatus), nil
		})
		t.Logf("import: killed %s in piece %d; the job finished %v later", c.nodes[killed].name, piece, time.Since(start).Round(time.Second))
		if status != string(types.JobStatusCompleted) || aws.ToInt32(job.TotalProcessed) != total || aws.ToInt32(job.TotalFailures) != 0 {
			t.Fatalf("import %s processed %d failures %d %v", status, aws.ToInt32(job.TotalProcessed), aws.ToInt32(job.TotalFailures), job.Failures)
		}
		conn, err := pgx.Connect(ctx, c.database)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM endpoints WHERE id LIKE 'imp-%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != total {
			t.Errorf("%d imported endpoints stored, want %d", n, total)
		}
		c.checkSpread(t, jobID, killed, piece)
	})
}
