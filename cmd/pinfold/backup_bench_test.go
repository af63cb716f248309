package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sigv4"
)

// BenchmarkBackupArchive measures pinfold backup end to end (the endpoint,
// the archive over HTTP, the CLI's check and file) of a node with
// PINFOLD_BENCH_BACKUP_ENDPOINTS endpoints (default 200,000), plain and
// gzip-compressed, while one client writes batches of 100 endpoints: the
// time of the backup, the archive's size, and the writer's worst batch
// during the backup and for as long without one.
func BenchmarkBackupArchive(b *testing.B) {
	rows := 200_000
	if v := os.Getenv("PINFOLD_BENCH_BACKUP_ENDPOINTS"); v != "" {
		var err error
		if rows, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	n := &node{
		DataDir:      b.TempDir(),
		Listen:       "127.0.0.1:0",
		Credentials:  map[string]sigv4.Credential{"test": {AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jobs:         JobFlags{PieceSize: 100000, Workers: 1, MaxConcurrent: 1, MaxAttempts: 3},
		SQLite:       SQLiteFlags{AppCache: true, PointReads: true, WriterYield: true},
		AdminAccount: "000000000000",
	}
	if err := n.Open(ctx); err != nil {
		n.Close(ctx)
		b.Fatal(err)
	}
	defer n.Close(ctx)
	c := client(n, "test", "us-east-1")
	out, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("bench")}})
	if err != nil {
		b.Fatal(err)
	}
	appID := aws.ToString(out.ApplicationResponse.Id)
	scope := pinfold.Scope{Account: "000000000000", Region: "us-east-1"}
	now := time.Now()
	batch := make([]pinfold.EndpointUpdate, 0, 1000)
	for lo := 0; lo < rows; lo += 1000 {
		batch = batch[:0]
		for i := lo; i < min(lo+1000, rows); i++ {
			id := fmt.Sprintf("ep%09d", i)
			batch = append(batch, pinfold.EndpointUpdate{ID: id, ChannelType: aws.String("EMAIL"), Address: aws.String(id + "@example.com"),
				Attributes: map[string][]string{"Plan": {"gold"}, "Interests": {"music", "travel"}},
				Metrics:    map[string]float64{"Sessions": float64(i % 97)}})
		}
		if err := n.Store.UpsertEndpoints(ctx, scope, appID, batch, now); err != nil {
			b.Fatal(err)
		}
	}
	next := 0
	write := func(stop <-chan struct{}) (time.Duration, int) {
		var worst time.Duration
		k := 0
		for {
			select {
			case <-stop:
				return worst, k
			default:
			}
			var items []types.EndpointBatchItem
			for range 100 {
				id := fmt.Sprintf("w%09d", next)
				next++
				items = append(items, types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeEmail, Address: aws.String(id + "@example.com")})
			}
			start := time.Now()
			if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
				EndpointBatchRequest: &types.EndpointBatchRequest{Item: items}}); err != nil {
				b.Error(err)
				return worst, k
			}
			worst = max(worst, time.Since(start))
			k++
		}
	}
	for _, gz := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%v", gz), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				to := filepath.Join(b.TempDir(), "b.tar")
				stop := make(chan struct{})
				done := make(chan [2]int64)
				go func() { w, k := write(stop); done <- [2]int64{int64(w), int64(k)} }()
				start := time.Now()
				m, err := backupAs(n, "test", to, gz)
				if err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				close(stop)
				during := <-done
				stop = make(chan struct{})
				go func() { w, k := write(stop); done <- [2]int64{int64(w), int64(k)} }()
				time.Sleep(took)
				close(stop)
				alone := <-done
				fi, err := os.Stat(to)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(took.Seconds(), "s/backup")
				b.ReportMetric(m.Store.CopySeconds, "s/store-copy")
				b.ReportMetric(float64(m.Store.Bytes>>20), "MiB/store")
				b.ReportMetric(float64(fi.Size()>>20), "MiB/archive")
				b.ReportMetric(float64(time.Duration(during[0]).Milliseconds()), "max-ms/batch-during")
				b.ReportMetric(float64(during[1])/took.Seconds(), "batches/s-during")
				b.ReportMetric(float64(time.Duration(alone[0]).Milliseconds()), "max-ms/batch-alone")
				b.ReportMetric(float64(alone[1])/took.Seconds(), "batches/s-alone")
				b.Logf("manifest: %d endpoints", m.Store.Endpoints)
				os.Remove(to)
			}
		})
	}
}
