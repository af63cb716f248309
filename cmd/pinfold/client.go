package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// defaultEndpoint is where the client commands go when neither a flag nor
// the AWS configuration names an endpoint: a local pinfold serve with its
// default --listen.
const defaultEndpoint = "http://127.0.0.1:4566"

// terminal is where the client commands write, and whether it is a
// terminal (a live progress bar) or not (plain progress lines).
type terminal struct {
	Out        io.Writer
	Err        io.Writer
	IsTerminal bool
}

// exitError ends pinfold with Code after printing Message (when not "").
type exitError struct {
	Code    int
	Message string
}

func (e *exitError) Error() string { return e.Message }

// ClientFlags say which Pinpoint API the client commands speak to. Without
// them the AWS SDK's usual configuration applies: the standard credential
// chain, AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_PINPOINT / AWS_ENDPOINT_URL_S3, profiles.
type ClientFlags struct {
	EndpointURL string `name:"endpoint-url" placeholder:"URL" help:"Pinpoint API endpoint; default AWS_ENDPOINT_URL_PINPOINT or AWS_ENDPOINT_URL, else the local server at ${default_endpoint}."`
	Region      string `placeholder:"REGION" help:"Region; default AWS_REGION or the profile's, else us-east-1."`
	Profile     string `placeholder:"NAME" help:"Shared configuration profile (AWS_PROFILE)."`
}

// clients are the SDK clients of one command run.
type clients struct {
	Pinpoint *pinpoint.Client
	S3       *s3.Client
	Endpoint string // the Pinpoint endpoint in use
}

// connect loads the AWS configuration and returns the clients. When the
// endpoint is a loopback address and the credential chain finds nothing,
// it signs with test/test, the pair a local pinfold accepts without
// configured credentials.
func (f *ClientFlags) connect(ctx context.Context) (*clients, error) {
	var opts []func(*config.LoadOptions) error
	if f.Region != "" {
		opts = append(opts, config.WithRegion(f.Region))
	}
	if f.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// The Pinpoint client resolves AWS_ENDPOINT_URL_PINPOINT, then
	// AWS_ENDPOINT_URL (and the profile's endpoint settings) into
	// BaseEndpoint before the option functions run.
	endpoint := ""
	pinpointEndpoint := func(o *pinpoint.Options) {
		switch {
		case f.EndpointURL != "":
			o.BaseEndpoint = aws.String(f.EndpointURL)
		case o.BaseEndpoint == nil:
			o.BaseEndpoint = aws.String(defaultEndpoint)
		}
		endpoint = *o.BaseEndpoint
	}
	_ = pinpoint.NewFromConfig(cfg, pinpointEndpoint)
	if endpointIsLoopback(endpoint) {
		// No instance metadata on the way to a local server: on a machine
		// outside EC2 its probe only adds seconds before the fallback.
		cfg, err = config.LoadDefaultConfig(ctx, append(opts, config.WithRegion(cfg.Region),
			config.WithEC2IMDSClientEnableState(imds.ClientDisabled))...)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
		}
	}
	pp := pinpoint.NewFromConfig(cfg, pinpointEndpoint)
	// S3 goes where AWS_ENDPOINT_URL_S3 (or the profile's S3 endpoint) says,
	// else to the Pinpoint endpoint: a pinfold with its built-in S3 store
	// serves both, path-style.
	sc := s3.NewFromConfig(cfg, func(o *s3.Options) {
		s3Specific := o.BaseEndpoint != nil && (cfg.BaseEndpoint == nil || *o.BaseEndpoint != *cfg.BaseEndpoint)
		if !s3Specific {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = true
		// Export files are gzip objects stored without checksums; the
		// SDK's note about each would only be noise.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &clients{Pinpoint: pp, S3: sc, Endpoint: endpoint}, nil
}

// endpointIsLoopback reports whether the URL's host is localhost or a
// loopback IP address.
func endpointIsLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AppsCmd lists the applications.
type AppsCmd struct {
	ClientFlags
}

// Run prints a table of the applications: ID, name, creation date.
func (c *AppsCmd) Run(term *terminal) error {
	ctx := context.Background()
	cl, err := c.connect(ctx)
	if err != nil {
		return err
	}
	apps, err := listApps(ctx, cl.Pinpoint)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(term.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED")
	for _, a := range apps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", aws.ToString(a.Id), aws.ToString(a.Name), aws.ToString(a.CreationDate))
	}
	return tw.Flush()
}

// listApps returns every application, following NextToken.
func listApps(ctx context.Context, pp *pinpoint.Client) ([]types.ApplicationResponse, error) {
	var apps []types.ApplicationResponse
	var token *string
	for {
		out, err := pp.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("100"), Token: token})
		if err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		apps = append(apps, out.ApplicationsResponse.Item...)
		token = out.ApplicationsResponse.NextToken
		if aws.ToString(token) == "" {
			return apps, nil
		}
	}
}

// JobsCmd lists export and import jobs.
type JobsCmd struct {
	ClientFlags
	App string `placeholder:"ID" help:"Only this application's jobs; default every application's."`
}

// Run prints a table of the jobs, oldest first: ID, app, type, status,
// pieces done of the total, endpoints processed, creation date.
func (c *JobsCmd) Run(term *terminal) error {
	ctx := context.Background()
	cl, err := c.connect(ctx)
	if err != nil {
		return err
	}
	appIDs := []string{c.App}
	if c.App == "" {
		apps, err := listApps(ctx, cl.Pinpoint)
		if err != nil {
			return err
		}
		appIDs = appIDs[:0]
		for _, a := range apps {
			appIDs = append(appIDs, aws.ToString(a.Id))
		}
	}
	var all []jobState
	for _, app := range appIDs {
		js, err := listJobs(ctx, cl.Pinpoint, app)
		if err != nil {
			return err
		}
		all = append(all, js...)
	}
	slices.SortStableFunc(all, func(a, b jobState) int {
		if a.Created != b.Created {
			if a.Created < b.Created { // ISO 8601 in UTC sorts as text
				return -1
			}
			return 1
		}
		return 0
	})
	tw := tabwriter.NewWriter(term.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAPP\tTYPE\tSTATUS\tPIECES\tENDPOINTS\tFAILURES\tCREATED")
	for _, j := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%d\t%d\t%s\n", j.ID, j.App, j.Type, j.Status,
			j.CompletedPieces, j.TotalPieces, j.Processed, j.Failures, j.Created)
	}
	return tw.Flush()
}

// listJobs returns an app's export then import jobs, following NextToken.
func listJobs(ctx context.Context, pp *pinpoint.Client, app string) ([]jobState, error) {
	var out []jobState
	var token *string
	for {
		r, err := pp.GetExportJobs(ctx, &pinpoint.GetExportJobsInput{ApplicationId: aws.String(app), PageSize: aws.String("100"), Token: token})
		if err != nil {
			return nil, fmt.Errorf("list export jobs of %s: %w", app, err)
		}
		for i := range r.ExportJobsResponse.Item {
			out = append(out, exportState(&r.ExportJobsResponse.Item[i]))
		}
		if token = r.ExportJobsResponse.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	for {
		r, err := pp.GetImportJobs(ctx, &pinpoint.GetImportJobsInput{ApplicationId: aws.String(app), PageSize: aws.String("100"), Token: token})
		if err != nil {
			return nil, fmt.Errorf("list import jobs of %s: %w", app, err)
		}
		for i := range r.ImportJobsResponse.Item {
			out = append(out, importState(&r.ImportJobsResponse.Item[i]))
		}
		if token = r.ImportJobsResponse.NextToken; aws.ToString(token) == "" {
			return out, nil
		}
	}
}

// jobState is what the client shows of an export or import job.
type jobState struct {
	ID, App, Type, Status string
	TotalPieces           int
	CompletedPieces       int
	FailedPieces          int
	Processed             int // endpoints written
	Failures              int // endpoints (or rows) not written
	FailureList           []string
	Created, Completed    string
	SegmentID             string // an import's segment
	Target                string // the export's S3UrlPrefix, the import's S3Url
}

// Finished reports whether the job is COMPLETED or FAILED.
func (j *jobState) Finished() bool { return j.Status == "COMPLETED" || j.Status == "FAILED" }

func exportState(r *types.ExportJobResponse) jobState {
	j := jobState{ID: aws.ToString(r.Id), App: aws.ToString(r.ApplicationId), Type: "EXPORT", Status: string(r.JobStatus),
		TotalPieces: int(aws.ToInt32(r.TotalPieces)), CompletedPieces: int(aws.ToInt32(r.CompletedPieces)),
		FailedPieces: int(aws.ToInt32(r.FailedPieces)), Processed: int(aws.ToInt32(r.TotalProcessed)),
		Failures: int(aws.ToInt32(r.TotalFailures)), FailureList: r.Failures,
		Created: aws.ToString(r.CreationDate), Completed: aws.ToString(r.CompletionDate)}
	if r.Definition != nil {
		j.Target = aws.ToString(r.Definition.S3UrlPrefix)
	}
	return j
}

func importState(r *types.ImportJobResponse) jobState {
	j := jobState{ID: aws.ToString(r.Id), App: aws.ToString(r.ApplicationId), Type: "IMPORT", Status: string(r.JobStatus),
		TotalPieces: int(aws.ToInt32(r.TotalPieces)), CompletedPieces: int(aws.ToInt32(r.CompletedPieces)),
		FailedPieces: int(aws.ToInt32(r.FailedPieces)), Processed: int(aws.ToInt32(r.TotalProcessed)),
		Failures: int(aws.ToInt32(r.TotalFailures)), FailureList: r.Failures,
		Created: aws.ToString(r.CreationDate), Completed: aws.ToString(r.CompletionDate)}
	if r.Definition != nil {
		j.Target = aws.ToString(r.Definition.S3Url)
		j.SegmentID = aws.ToString(r.Definition.SegmentId)
	}
	return j
}

// stdTerminal is the process's own stdout and stderr.
func stdTerminal(isTerminal func(fd int) bool) *terminal {
	return &terminal{Out: os.Stdout, Err: os.Stderr, IsTerminal: isTerminal(int(os.Stdout.Fd()))}
}

// errorExit turns err into an exit code: an *exitError's own, else 1.
func errorExit(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// itoa is strconv.Itoa, for the progress lines.
func itoa(n int) string { return strconv.Itoa(n) }
