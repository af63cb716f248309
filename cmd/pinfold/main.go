// Command pinfold runs a pinfold node: Amazon Pinpoint's REST API for apps,
// endpoints and export jobs, with an embedded SQLite store and an embedded
// S3-compatible endpoint on the same port.
//
// It is also a client of that API (or of any Pinpoint endpoint), for the
// jobs people would rather not poll by hand:
//
//	pinfold serve --listen 127.0.0.1:4566 --data-dir ./pinfold-data
//	pinfold export --app ID --to s3://exports/run1/ --wait --download ./run1
//	pinfold import --app ID --from s3://imports/people.csv --format csv --define-segment people
//	pinfold jobs
//	pinfold apps
//	pinfold version
//	pinfold backup --to pinfold-backup.tar.gz
//	pinfold restore --from pinfold-backup.tar.gz --data-dir ./restored
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/alecthomas/kong"
	"golang.org/x/term"

	"github.com/pinfold/pinfold"
)

// CLI is pinfold's command line. Every flag also reads an environment
// variable, named in its help.
type CLI struct {
	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`

	Serve   ServeCmd   `cmd:"" help:"Run the server."`
	Export  ExportCmd  `cmd:"" help:"Export an application's endpoints (or a segment's) to S3 files; --wait follows the job."`
	Import  ImportCmd  `cmd:"" help:"Import endpoints from CSV or JSON files in S3; --wait follows the job."`
	Jobs    JobsCmd    `cmd:"" help:"List export and import jobs."`
	Apps    AppsCmd    `cmd:"" help:"List applications."`
	Version VersionCmd `cmd:"" help:"Print the version."`
	Backup  BackupCmd  `cmd:"" help:"Write a backup of a running node's embedded store and S3 objects to a file."`
	Restore RestoreCmd `cmd:"" help:"Unpack a backup into a new data dir."`
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints pinfold's version.
func (VersionCmd) Run() error {
	fmt.Println("pinfold", pinfold.Version)
	return nil
}

func main() {
	var cli CLI
	t := stdTerminal(term.IsTerminal)
	ctx := kong.Parse(&cli,
		kong.Name("pinfold"),
		kong.Description("A self-hosted server for Amazon Pinpoint's audience data plane, and a client of its API."),
		kong.UsageOnError(),
		kong.Vars{
			"version":          "pinfold " + pinfold.Version,
			"wait_default":     strconv.FormatBool(t.IsTerminal),
			"default_endpoint": defaultEndpoint,
		},
		kong.Bind(t),
	)
	if err := ctx.Run(); err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "pinfold:", msg)
		}
		os.Exit(errorExit(err))
	}
}
