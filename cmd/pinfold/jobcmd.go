package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold"
)

// WaitFlags say whether and how a job command follows the job it created.
type WaitFlags struct {
	Wait         bool          `negatable:"" default:"${wait_default}" help:"Follow the job until it ends: a progress bar on a terminal, a line per change otherwise; on by default when stdout is a terminal. Ctrl-C stops waiting, not the job."`
	PollInterval time.Duration `default:"1s" help:"How often --wait asks for the job's state."`
}

// ExportCmd creates an export job and, with --wait, follows it.
type ExportCmd struct {
	ClientFlags
	WaitFlags
	App            string `required:"" placeholder:"ID" help:"Application ID."`
	To             string `required:"" placeholder:"s3://BUCKET/PREFIX/" help:"S3 URL prefix the job writes its files under (S3UrlPrefix)."`
	Segment        string `placeholder:"ID" help:"Export only this segment's endpoints."`
	SegmentVersion int    `placeholder:"N" help:"Version of --segment; default the latest."`
	RoleARN        string `name:"role-arn" placeholder:"ARN" help:"IAM role in the request; default arn:aws:iam::ACCOUNT:role/pinfold-export, ACCOUNT from the application's ARN."`
	Download       string `placeholder:"DIR" type:"path" help:"When the job completes, fetch its files into DIR (implies --wait)."`
}

// Run creates the export job. Without --wait it prints the job ID.
func (c *ExportCmd) Run(term *terminal) error {
	if c.SegmentVersion != 0 && c.Segment == "" {
		return errors.New("--segment-version needs --segment")
	}
	bucket, key, err := pinfold.ParseS3URL(c.To)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	ctx := context.Background()
	cl, err := c.connect(ctx)
	if err != nil {
		return err
	}
	role, err := roleFor(ctx, cl.Pinpoint, c.App, c.RoleARN, "pinfold-export")
	if err != nil {
		return err
	}
	req := &types.ExportJobRequest{RoleArn: aws.String(role), S3UrlPrefix: aws.String(c.To)}
	if c.Segment != "" {
		req.SegmentId = aws.String(c.Segment)
	}
	if c.SegmentVersion != 0 {
		req.SegmentVersion = aws.Int32(int32(c.SegmentVersion))
	}
	out, err := cl.Pinpoint.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(c.App), ExportJobRequest: req})
	if err != nil {
		return fmt.Errorf("create export job: %w", err)
	}
	id := aws.ToString(out.ExportJobResponse.Id)
	if !c.Wait && c.Download == "" {
		fmt.Fprintln(term.Out, id)
		return nil
	}
	fmt.Fprintf(term.Out, "export job %s of app %s to %s\n", id, c.App, c.To)
	j, err := follow(term, c.PollInterval, func(ctx context.Context) (jobState, error) {
		r, err := cl.Pinpoint.GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: aws.String(c.App), JobId: aws.String(id)})
		if err != nil {
			return jobState{}, fmt.Errorf("get export job: %w", err)
		}
		return exportState(r.ExportJobResponse), nil
	})
	if err != nil || c.Download == "" {
		return err
	}
	// The pieces' objects: {key prefix}/{job ID}/{index}.gz (jobs.ObjectKey).
	prefix := key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	prefix += j.ID + "/"
	n, err := download(ctx, cl.S3, bucket, prefix, c.Download)
	if err != nil {
		return err
	}
	files := "files"
	if n == 1 {
		files = "file"
	}
	fmt.Fprintf(term.Out, "downloaded %d %s from s3://%s/%s to %s\n", n, files, bucket, prefix, c.Download)
	return nil
}

// ImportCmd creates an import job and, with --wait, follows it.
type ImportCmd struct {
	ClientFlags
	WaitFlags
	App                 string `required:"" placeholder:"ID" help:"Application ID."`
	From                string `required:"" placeholder:"s3://BUCKET/KEY" help:"S3 URL of one object or of a prefix of objects (S3Url)."`
	Format              string `required:"" enum:"csv,json,CSV,JSON" help:"File format: csv or json (JSON lines); .gz files too."`
	DefineSegment       string `placeholder:"NAME" help:"Create a segment of the imported endpoints with this name."`
	Segment             string `placeholder:"ID" help:"Add the imported endpoints to this existing import segment."`
	NoRegisterEndpoints bool   `help:"Do not store the endpoints (RegisterEndpoints=false): only define the segment."`
	RoleARN             string `name:"role-arn" placeholder:"ARN" help:"IAM role in the request; default arn:aws:iam::ACCOUNT:role/pinfold-import, ACCOUNT from the application's ARN."`
}

// Run creates the import job. Without --wait it prints the job ID.
func (c *ImportCmd) Run(term *terminal) error {
	if _, _, err := pinfold.ParseS3URL(c.From); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	ctx := context.Background()
	cl, err := c.connect(ctx)
	if err != nil {
		return err
	}
	role, err := roleFor(ctx, cl.Pinpoint, c.App, c.RoleARN, "pinfold-import")
	if err != nil {
		return err
	}
	req := &types.ImportJobRequest{Format: types.Format(strings.ToUpper(c.Format)), RoleArn: aws.String(role), S3Url: aws.String(c.From)}
	if c.DefineSegment != "" {
		req.DefineSegment, req.SegmentName = aws.Bool(true), aws.String(c.DefineSegment)
	}
	if c.Segment != "" {
		req.SegmentId = aws.String(c.Segment)
	}
	if c.NoRegisterEndpoints {
		req.RegisterEndpoints = aws.Bool(false)
	}
	out, err := cl.Pinpoint.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: aws.String(c.App), ImportJobRequest: req})
	if err != nil {
		return fmt.Errorf("create import job: %w", err)
	}
	id := aws.ToString(out.ImportJobResponse.Id)
	if !c.Wait {
		fmt.Fprintln(term.Out, id)
		return nil
	}
	fmt.Fprintf(term.Out, "import job %s of app %s from %s\n", id, c.App, c.From)
	j, err := follow(term, c.PollInterval, func(ctx context.Context) (jobState, error) {
		r, err := cl.Pinpoint.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: aws.String(c.App), JobId: aws.String(id)})
		if err != nil {
			return jobState{}, fmt.Errorf("get import job: %w", err)
		}
		return importState(r.ImportJobResponse), nil
	})
	if err == nil && j.SegmentID != "" {
		fmt.Fprintf(term.Out, "segment %s\n", j.SegmentID)
	}
	return err
}

// follow watches a job until it ends or Ctrl-C, then prints the summary.
// It returns an *exitError when the job FAILED (1) or waiting was
// interrupted (130, as a shell reports SIGINT).
func follow(term *terminal, interval time.Duration, fetch func(context.Context) (jobState, error)) (jobState, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	w := &watcher{Term: term, Interval: interval, Fetch: fetch}
	j, err := w.watch(ctx)
	elapsed := time.Since(w.start)
	if errors.Is(err, errStopped) {
		return j, &exitError{Code: 130, Message: fmt.Sprintf("stopped waiting; job %s goes on (pinfold jobs --app %s)", j.ID, j.App)}
	}
	if err != nil {
		return j, err
	}
	return j, summarize(term.Out, j, elapsed)
}

// roleFor returns role, or when it is "" the role ARN
// arn:aws:iam::ACCOUNT:role/name with the account of the app's ARN. It
// fails, as GetApp does, when the app does not exist.
func roleFor(ctx context.Context, pp *pinpoint.Client, app, role, name string) (string, error) {
	out, err := pp.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
	if err != nil {
		return "", fmt.Errorf("get application %s: %w", app, err)
	}
	if role != "" {
		return role, nil
	}
	// arn:aws:mobiletargeting:REGION:ACCOUNT:apps/ID
	parts := strings.Split(aws.ToString(out.ApplicationResponse.Arn), ":")
	account := "000000000000"
	if len(parts) >= 5 && parts[4] != "" {
		account = parts[4]
	}
	return "arn:aws:iam::" + account + ":role/" + name, nil
}

// download copies every object under s3://bucket/prefix into dir, named by
// the key's last element, and returns how many it wrote.
func download(ctx context.Context, sc *s3.Client, bucket, prefix, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("download: %w", err)
	}
	n := 0
	p := s3.NewListObjectsV2Paginator(sc, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if err := getObject(ctx, sc, bucket, k, filepath.Join(dir, path.Base(k))); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// getObject writes one object to file, through a temporary file renamed
// into place so that an interrupted download leaves no partial file.
func getObject(ctx context.Context, sc *s3.Client, bucket, key, file string) error {
	out, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	tmp, err := os.CreateTemp(filepath.Dir(file), ".download-*")
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, out.Body); err != nil {
		tmp.Close()
		return fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return nil
}
