package blob_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/blobtest"
)

var (
	scopeA = pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = pinfold.Scope{Account: "222222222222", Region: "us-east-1"}
)

// newStore returns a Store in a temporary directory with bucket "exports"
// in scopeA's namespace.
func newStore(t *testing.T) *blob.Store {
	t.Helper()
	s := blob.NewStore(t.TempDir())
	if err := s.CreateBucket(context.Background(), scopeA.Account, "exports"); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return s
}

func put(t *testing.T, s *blob.Store, scope pinfold.Scope, bucket, key, body string) {
	t.Helper()
	if err := s.PutObject(context.Background(), scope, bucket, key, strings.NewReader(body)); err != nil {
		t.Fatalf("PutObject(%s/%s): %v", bucket, key, err)
	}
}

func get(t *testing.T, s *blob.Store, scope pinfold.Scope, bucket, key string) string {
	t.Helper()
	rc, err := s.GetObject(context.Background(), scope, bucket, key)
	if err != nil {
		t.Fatalf("GetObject(%s/%s): %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	return string(b)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pinfold.ErrorCode(err); got != code {
		t.Fatalf("error %v: got code %q, want %q", err, got, code)
	}
}

// TestBlobStore runs the BlobStore conformance suite, each test in its own
// account's bucket of one store.
func TestBlobStore(t *testing.T) {
	t.Parallel()
	s := blob.NewStore(t.TempDir())
	var accounts atomic.Int64
	blobtest.Run(t, func(t *testing.T) blobtest.Setup {
		scope := pinfold.Scope{Account: fmt.Sprintf("%012d", accounts.Add(1)), Region: "us-east-1"}
		if err := s.CreateBucket(context.Background(), scope.Account, "exports"); err != nil {
			t.Fatalf("CreateBucket: %v", err)
		}
		return blobtest.Setup{Store: s, Scope: scope, Bucket: "exports"}
	})
}

// TestLayout pins where objects live: root/{account}/{bucket}/{key}.
func TestLayout(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	put(t, s, scopeA, "exports", "run1/sub/deep.json", "deep")
	data, err := os.ReadFile(filepath.Join(s.Root, scopeA.Account, "exports", "run1", "sub", "deep.json"))
	if err != nil || string(data) != "deep" {
		t.Errorf("file on disk: %q, %v", data, err)
	}
}

// failingReader returns some data, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		n := min(len(p), r.n)
		r.n -= n
		for i := range p[:n] {
			p[i] = 'x'
		}
		return n, nil
	}
	return 0, errors.New("connection reset")
}

// TestFailedPutLeavesNoTemporaryFile: failed and cancelled puts (the
// suite checks what they store) remove their temporary files.
func TestFailedPutLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	put(t, s, scopeA, "exports", "obj", "old")
	if err := s.PutObject(ctx, scopeA, "exports", "obj", &failingReader{n: 3 << 20}); err == nil {
		t.Fatal("PutObject with failing body: got nil error")
	}
	if err := s.PutObject(ctx, scopeA, "exports", "new/obj", &failingReader{n: 10}); err == nil {
		t.Fatal("PutObject with failing body: got nil error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.PutObject(cctx, scopeA, "exports", "obj", strings.NewReader("cancelled")); err == nil {
		t.Fatal("PutObject with cancelled context: got nil error")
	}
	entries, err := os.ReadDir(filepath.Join(s.Root, scopeA.Account, "exports"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".pinfold-tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestMissingBucket pins the store's own not-found messages and that a
// folder is not an object (the suite checks the codes).
func TestMissingBucket(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	err := s.PutObject(ctx, scopeA, "nosuchbucket", "k", strings.NewReader("x"))
	wantCode(t, err, pinfold.ENOTFOUND)
	if msg := pinfold.ErrorMessage(err); msg != "bucket nosuchbucket does not exist" {
		t.Errorf("message: got %q", msg)
	}
	// A folder is not an object.
	put(t, s, scopeA, "exports", "dir/file", "x")
	_, err = s.GetObject(ctx, scopeA, "exports", "dir")
	wantCode(t, err, pinfold.ENOTFOUND)
}

func TestAccountsAreSeparate(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	put(t, s, scopeA, "exports", "k", "a's")
	// scopeB has no bucket "exports" ...
	_, err := s.GetObject(ctx, scopeB, "exports", "k")
	wantCode(t, err, pinfold.ENOTFOUND)
	err = s.PutObject(ctx, scopeB, "exports", "k", strings.NewReader("b's"))
	wantCode(t, err, pinfold.ENOTFOUND)
	// ... until it makes its own.
	if err := s.CreateBucket(ctx, scopeB.Account, "exports"); err != nil {
		t.Fatal(err)
	}
	put(t, s, scopeB, "exports", "k", "b's")
	if got := get(t, s, scopeA, "exports", "k"); got != "a's" {
		t.Errorf("account A: got %q", got)
	}
	if got := get(t, s, scopeB, "exports", "k"); got != "b's" {
		t.Errorf("account B: got %q", got)
	}
	wantCode(t, s.CreateBucket(ctx, scopeB.Account, "exports"), pinfold.ECONFLICT)
	wantCode(t, s.CreateBucket(ctx, "../x", "exports"), pinfold.EINVALID)
	wantCode(t, s.CreateBucket(ctx, scopeB.Account, "Bad_Name"), pinfold.EINVALID)
	_, err = s.GetObject(ctx, pinfold.Scope{Account: "../111111111111"}, "exports", "k")
	wantCode(t, err, pinfold.EINVALID)
}

func TestUnsafeKeys(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for _, key := range []string{
		"", "..", "../escape", "a/../../escape", "a/./b", "/abs", "a//b", "dir/", "nul\x00byte",
		".pinfold-meta/x", "bad\xffutf8", strings.Repeat("k", 1025), strings.Repeat("s", 256),
	} {
		err := s.PutObject(ctx, scopeA, "exports", key, strings.NewReader("x"))
		wantCode(t, err, pinfold.EINVALID)
		_, err = s.GetObject(ctx, scopeA, "exports", key)
		wantCode(t, err, pinfold.EINVALID)
	}
	// Nothing escaped the bucket.
	if _, err := os.Stat(filepath.Join(s.Root, scopeA.Account, "escape")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("escape file: %v", err)
	}
	// Odd but safe keys work.
	for _, key := range []string{"...", ".hidden", "a..b", "sp ace/ü/%41+", strings.Repeat("k/", 300) + "x"} {
		put(t, s, scopeA, "exports", key, key)
		if got := get(t, s, scopeA, "exports", key); got != key {
			t.Errorf("key %q: got %q", key, got)
		}
	}
}

func TestKeyConflicts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	put(t, s, scopeA, "exports", "a", "file")
	err := s.PutObject(ctx, scopeA, "exports", "a/b", strings.NewReader("x"))
	wantCode(t, err, pinfold.ECONFLICT)
	put(t, s, scopeA, "exports", "c/d", "file")
	err = s.PutObject(ctx, scopeA, "exports", "c", strings.NewReader("x"))
	wantCode(t, err, pinfold.ECONFLICT)
	if got := get(t, s, scopeA, "exports", "a"); got != "file" {
		t.Errorf("a: got %q", got)
	}
	if got := get(t, s, scopeA, "exports", "c/d"); got != "file" {
		t.Errorf("c/d: got %q", got)
	}
}

func FuzzCheckKey(f *testing.F) {
	for _, k := range []string{"a", "a/b", "../x", "a/../b", "/x", "x/", ".", "..", "a//b", "\x00", ".pinfold-tmp-1", "ü"} {
		f.Add(k)
	}
	root := filepath.FromSlash("/root/bucket")
	f.Fuzz(func(t *testing.T, key string) {
		if blob.CheckKey(key) != nil {
			return
		}
		p := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("key %q escapes the bucket: %s", key, p)
		}
		if filepath.ToSlash(filepath.Clean(filepath.FromSlash(key))) != key {
			t.Fatalf("key %q is not a clean path", key)
		}
		if strings.HasPrefix(key, ".pinfold-") {
			t.Fatalf("key %q uses the reserved prefix", key)
		}
	})
}
