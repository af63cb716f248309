package blob_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pinfold/pinfold/blob"
)

// TestBackup lists what a backup copies: bucket directories (an empty one
// too), objects, markers and metadata, without temporary files, uploads in
// progress or buckets being deleted; each body is the whole object.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	put(t, s, scopeA, "exports", "run1/0.gz", "zero")
	put(t, s, scopeA, "exports", "run1/1.gz", "one")
	if _, err := s.WriteObject(ctx, scopeA.Account, "exports", "meta.txt", strings.NewReader("m"),
		map[string]string{"Content-Type": "text/plain"}, nil); err != nil {
		t.Fatalf("WriteObject: %v", err)
	}
	if err := s.CreateBucket(ctx, scopeB.Account, "empty"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUpload(ctx, scopeA.Account, "exports", "big", nil); err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	bucket := filepath.Join(s.Root, scopeA.Account, "exports")
	if err := os.WriteFile(filepath.Join(bucket, ".pinfold-tmp-123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.Root, scopeA.Account, ".pinfold-deleting-1", "x"), 0o755); err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	var names []string
	err := s.Backup(ctx, func(name string, info fs.FileInfo, body io.Reader) error {
		names = append(names, name)
		if info.IsDir() {
			if body != nil {
				t.Errorf("%s: a directory with a body", name)
			}
			got[name] = "/"
			return nil
		}
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		if int64(len(b)) != info.Size() {
			t.Errorf("%s: body of %d bytes, info says %d", name, len(b), info.Size())
		}
		got[name] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	a := scopeA.Account + "/exports/"
	want := map[string]string{
		scopeA.Account + "/exports":               "/",
		a + ".pinfold-bucket":                     "",
		a + "run1/0.gz":                           "zero",
		a + "run1/1.gz":                           "one",
		a + "meta.txt":                            "m",
		scopeB.Account + "/empty":                 "/",
		scopeB.Account + "/empty/.pinfold-bucket": "",
	}
	meta := got[a+".pinfold-meta/meta.txt"]
	if !strings.Contains(meta, "text/plain") {
		t.Errorf("metadata of meta.txt: got %q", meta)
	}
	delete(got, a+".pinfold-meta/meta.txt")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Backup entries:\n got %v\nwant %v", got, want)
	}
	if names[0] != scopeA.Account+"/exports" {
		t.Errorf("first entry %q, want the bucket directory first", names[0])
	}

	empty := blob.NewStore(filepath.Join(t.TempDir(), "missing"))
	if err := empty.Backup(ctx, func(string, fs.FileInfo, io.Reader) error { t.Error("entry in an empty store"); return nil }); err != nil {
		t.Errorf("Backup of a missing root: %v", err)
	}
}
