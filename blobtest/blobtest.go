// Package blobtest is the conformance suite every pinfold.BlobStore runs:
// the embedded store (blob) and the client of external S3-compatible
// storage (s3, against versitygw) pass the same tests, so export and import
// jobs see the same behaviour whichever one a node uses.
//
// The suite uses only the pinfold interface. It checks what job.go promises
// of a BlobStore: objects appear whole or not at all, replace earlier ones,
// stream bodies of unknown length, list in key order by prefix, and a
// missing bucket or object is ENOTFOUND. What one implementation alone does
// (accounts as namespaces, key rules, credentials, multipart ETags) is
// tested in its own package.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

// Setup is what a test of the suite runs against.
type Setup struct {
	Store pinfold.BlobStore
	Scope pinfold.Scope // the scope the suite passes to Store
	// Bucket exists in Scope, is empty and no other test uses it.
	Bucket string
}

// MissingBucket is a bucket name the suite expects not to exist.
const MissingBucket = "blobtest-no-such-bucket"

// Run runs the suite. open must return a Setup with a new, empty bucket each
// time it is called; the store may be shared. Subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) Setup) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// test is one subtest of the suite.
type test struct {
	name string
	run  func(t *testing.T, s Setup)
}

var tests = []test{
	{"PutGetList", testPutGetList},
	{"PutReplaces", testPutReplaces},
	{"FailedPutStoresNothing", testFailedPut},
	{"CancelledPut", testCancelledPut},
	{"LargeStream", testLargeStream},
	{"ListManyObjects", testListMany},
	{"NotFound", testNotFound},
}

func put(t *testing.T, s Setup, key, body string) {
	t.Helper()
	if err := s.Store.PutObject(context.Background(), s.Scope, s.Bucket, key, strings.NewReader(body)); err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
}

func get(t *testing.T, s Setup, key string) string {
	t.Helper()
	rc, err := s.Store.GetObject(context.Background(), s.Scope, s.Bucket, key)
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(b)
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := pinfold.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v: got code %q, want %q", what, err, got, code)
	}
}

func testPutGetList(t *testing.T, s Setup) {
	ctx := context.Background()
	put(t, s, "run1/part-0002.gz", "two")
	put(t, s, "run1/part-0001.gz", "one")
	put(t, s, "run1/sub/deep.json", "deep")
	put(t, s, "run10.txt", "ten")
	put(t, s, "run1-b", "dash") // sorts between "run1" and "run1/"
	put(t, s, "top", "top")

	if got := get(t, s, "run1/part-0001.gz"); got != "one" {
		t.Errorf("GetObject: got %q, want %q", got, "one")
	}
	if got := get(t, s, "run1/sub/deep.json"); got != "deep" {
		t.Errorf("GetObject: got %q, want %q", got, "deep")
	}
	tests := []struct {
		prefix string
		want   []pinfold.ObjectInfo
	}{
		{"", []pinfold.ObjectInfo{
			{Key: "run1-b", Size: 4},
			{Key: "run1/part-0001.gz", Size: 3},
			{Key: "run1/part-0002.gz", Size: 3},
			{Key: "run1/sub/deep.json", Size: 4},
			{Key: "run10.txt", Size: 3},
			{Key: "top", Size: 3},
		}},
		{"run1/", []pinfold.ObjectInfo{
			{Key: "run1/part-0001.gz", Size: 3},
			{Key: "run1/part-0002.gz", Size: 3},
			{Key: "run1/sub/deep.json", Size: 4},
		}},
		{"run1/sub/", []pinfold.ObjectInfo{{Key: "run1/sub/deep.json", Size: 4}}},
		{"run1/part", []pinfold.ObjectInfo{
			{Key: "run1/part-0001.gz", Size: 3},
			{Key: "run1/part-0002.gz", Size: 3},
		}},
		{"run1", []pinfold.ObjectInfo{
			{Key: "run1-b", Size: 4},
			{Key: "run1/part-0001.gz", Size: 3},
			{Key: "run1/part-0002.gz", Size: 3},
			{Key: "run1/sub/deep.json", Size: 4},
			{Key: "run10.txt", Size: 3},
		}},
		{"top", []pinfold.ObjectInfo{{Key: "top", Size: 3}}},
		{"nothing", nil},
		{"none/", nil},
	}
	for _, tt := range tests {
		got, err := s.Store.ListObjects(ctx, s.Scope, s.Bucket, tt.prefix)
		if err != nil {
			t.Fatalf("ListObjects(%q): %v", tt.prefix, err)
		}
		if len(got) == 0 && len(tt.want) == 0 {
			continue // nil or empty: both mean none
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ListObjects(%q):\n got %v\nwant %v", tt.prefix, got, tt.want)
		}
	}
}

func testPutReplaces(t *testing.T, s Setup) {
	put(t, s, "a/b", "first version")
	put(t, s, "a/b", "second")
	if got := get(t, s, "a/b"); got != "second" {
		t.Errorf("got %q, want %q", got, "second")
	}
	objs, err := s.Store.ListObjects(context.Background(), s.Scope, s.Bucket, "a/")
	if err != nil || !reflect.DeepEqual(objs, []pinfold.ObjectInfo{{Key: "a/b", Size: int64(len("second"))}}) {
		t.Errorf("ListObjects after replace: %v, %v", objs, err)
	}
}

// failingReader returns n bytes, then ErrBroken.
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
	return 0, ErrBroken
}

// testFailedPut: a body that fails fails the put with the body's error and
// stores nothing: the old object stays, a new key does not appear.
func testFailedPut(t *testing.T, s Setup) {
	ctx := context.Background()
	put(t, s, "obj", "old")
	err := s.Store.PutObject(ctx, s.Scope, s.Bucket, "obj", &failingReader{n: 3 << 20})
	if !errors.Is(err, ErrBroken) {
		t.Fatalf("PutObject with failing body: got %v, want the body's error", err)
	}
	if got := get(t, s, "obj"); got != "old" {
		t.Errorf("after failed put: got %q, want %q", got, "old")
	}
	err = s.Store.PutObject(ctx, s.Scope, s.Bucket, "new/obj", &failingReader{n: 10})
	if !errors.Is(err, ErrBroken) {
		t.Fatalf("PutObject with failing body: got %v, want the body's error", err)
	}
	_, err = s.Store.GetObject(ctx, s.Scope, s.Bucket, "new/obj")
	wantCode(t, "GetObject after failed put", err, pinfold.ENOTFOUND)
	objs, err := s.Store.ListObjects(ctx, s.Scope, s.Bucket, "")
	if err != nil || !reflect.DeepEqual(objs, []pinfold.ObjectInfo{{Key: "obj", Size: 3}}) {
		t.Errorf("ListObjects after failed puts: %v, %v", objs, err)
	}
}

func testCancelledPut(t *testing.T, s Setup) {
	put(t, s, "obj", "old")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Store.PutObject(ctx, s.Scope, s.Bucket, "obj", strings.NewReader("cancelled"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutObject with cancelled context: got %v, want context.Canceled", err)
	}
	if got := get(t, s, "obj"); got != "old" {
		t.Errorf("after cancelled put: got %q, want %q", got, "old")
	}
}

// Stream yields N bytes of a deterministic pattern, in small reads,
// without Seek, Len or WriterTo, like an export's gzip stream: the store
// cannot learn its size. With FailAt > 0 it fails with ErrBroken once it
// has given FailAt bytes.
type Stream struct {
	N, FailAt int64
	off       int64
}

// ErrBroken is the error of a failing body.
var ErrBroken = errors.New("connection reset")

func (s *Stream) Read(p []byte) (int, error) {
	if s.FailAt > 0 && s.off >= s.FailAt {
		return 0, ErrBroken
	}
	if s.off >= s.N {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.N-s.off, 32<<10)]
	for i := range p {
		x := s.off + int64(i)
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	s.off += int64(len(p))
	return len(p), nil
}

// Sum returns the SHA-256 of what r yields and how many bytes that was.
func Sum(r io.Reader) ([]byte, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return h.Sum(nil), n, err
}

// testLargeStream puts a body of unknown length larger than the usual
// buffers and upload parts (8 MiB).
func testLargeStream(t *testing.T, s Setup) {
	const size = 9<<20 + 4321
	ctx := context.Background()
	if err := s.Store.PutObject(ctx, s.Scope, s.Bucket, "big/stream.bin", &Stream{N: size}); err != nil {
		t.Fatalf("PutObject of %d bytes: %v", size, err)
	}
	want, _, _ := Sum(&Stream{N: size})
	rc, err := s.Store.GetObject(ctx, s.Scope, s.Bucket, "big/stream.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, n, err := Sum(rc)
	rc.Close()
	if err != nil || n != size || !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes (%v), want %d identical bytes", n, err, size)
	}
	objs, err := s.Store.ListObjects(ctx, s.Scope, s.Bucket, "big/")
	if err != nil || !reflect.DeepEqual(objs, []pinfold.ObjectInfo{{Key: "big/stream.bin", Size: size}}) {
		t.Errorf("ListObjects: %v, %v", objs, err)
	}
}

// testListMany lists more keys than one S3 ListObjectsV2 page (1000).
func testListMany(t *testing.T, s Setup) {
	const n = 1005
	for i := range n {
		put(t, s, fmt.Sprintf("many/%04d", i), "x")
	}
	got, err := s.Store.ListObjects(context.Background(), s.Scope, s.Bucket, "many/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("ListObjects: got %d objects, want %d", len(got), n)
	}
	for i, o := range got {
		if want := (pinfold.ObjectInfo{Key: fmt.Sprintf("many/%04d", i), Size: 1}); o != want {
			t.Fatalf("ListObjects[%d]: got %v, want %v", i, o, want)
		}
	}
}

func testNotFound(t *testing.T, s Setup) {
	ctx := context.Background()
	err := s.Store.PutObject(ctx, s.Scope, MissingBucket, "k", strings.NewReader("x"))
	wantCode(t, "PutObject to a missing bucket", err, pinfold.ENOTFOUND)
	if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, MissingBucket) {
		t.Errorf("message %q does not name the bucket", msg)
	}
	_, err = s.Store.GetObject(ctx, s.Scope, MissingBucket, "k")
	wantCode(t, "GetObject from a missing bucket", err, pinfold.ENOTFOUND)
	_, err = s.Store.ListObjects(ctx, s.Scope, MissingBucket, "")
	wantCode(t, "ListObjects of a missing bucket", err, pinfold.ENOTFOUND)
	if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, MissingBucket) {
		t.Errorf("message %q does not name the bucket", msg)
	}
	_, err = s.Store.GetObject(ctx, s.Scope, s.Bucket, "no/such/key")
	wantCode(t, "GetObject of a missing key", err, pinfold.ENOTFOUND)
	if msg := pinfold.ErrorMessage(err); !strings.Contains(msg, s.Bucket+"/no/such/key") {
		t.Errorf("message %q does not name the key", msg)
	}
}
