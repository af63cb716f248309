package blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/pinfold/pinfold/blob"
)

// patternReader yields n bytes of a fixed pattern without Seek, WriterTo or
// Len, like an export's gzip stream: the store cannot know the size.
type patternReader struct {
	n       int64
	pattern []byte
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n := copy(p, r.pattern)
	r.n -= int64(n)
	return n, nil
}

// BenchmarkPutObject measures in-process PutObject of a 64 MiB stream of
// unknown length, fsync included (go test -bench PutObject reports MB/s).
func BenchmarkPutObject(b *testing.B) {
	const size = 64 << 20
	s := blob.NewStore(b.TempDir())
	ctx := context.Background()
	if err := s.CreateBucket(ctx, scopeA.Account, "bench"); err != nil {
		b.Fatal(err)
	}
	pattern := make([]byte, 256<<10)
	for i := range pattern {
		pattern[i] = byte(i * 31)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.PutObject(ctx, scopeA, "bench", "run/part-0001.gz", &patternReader{n: size, pattern: pattern}); err != nil {
			b.Fatal(err)
		}
	}
}
