// Command pinfold runs a pinfold node: Amazon Pinpoint's REST API for apps,
// endpoints and export jobs, with an embedded SQLite store and an embedded
// S3-compatible endpoint on the same port.
//
//	pinfold serve --listen 127.0.0.1:4566 --data-dir ./pinfold-data
//	pinfold version
//	pinfold backup --to pinfold-backup.tar.gz
//	pinfold restore --from pinfold-backup.tar.gz --data-dir ./restored
package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"

	"github.com/pinfold/pinfold"
)

// CLI is pinfold's command line. Every flag also reads an environment
// variable, named in its help.
type CLI struct {
	Serve   ServeCmd   `cmd:"" help:"Run the server."`
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
	ctx := kong.Parse(&cli,
		kong.Name("pinfold"),
		kong.Description("A self-hosted server for Amazon Pinpoint's audience data plane."),
		kong.UsageOnError(),
	)
	if err := ctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "pinfold:", err)
		os.Exit(1)
	}
}
