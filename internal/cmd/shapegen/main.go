// Command shapegen writes package wire/shapes's generated files from
// botocore's Pinpoint model. go generate runs it in wire/shapes:
//
//	shapegen -model model/service-2.json.gz -out .
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pinfold/pinfold/internal/shapegen"
)

func main() {
	modelPath := flag.String("model", "model/service-2.json.gz", "botocore's service-2.json, gzipped or not")
	out := flag.String("out", ".", "directory to write the generated files to")
	flag.Parse()
	if err := run(*modelPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "shapegen:", err)
		os.Exit(1)
	}
}

func run(modelPath, out string) error {
	data, err := shapegen.ReadModel(modelPath)
	if err != nil {
		return err
	}
	files, err := shapegen.Generate(data)
	if err != nil {
		return err
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(out, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
