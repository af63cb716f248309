package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPwrite measures the system calls behind decision 20: writing WAL
// frames (24-byte header and 4 KiB page) as SQLite does, in two calls each,
// against one call per frame and one call per 32 frames. ns/op is per frame.
//
//	go test -run '^$' -bench Pwrite ./sqlite
func BenchmarkPwrite(b *testing.B) {
	const frame = 24 + 4096
	f, err := os.Create(filepath.Join(b.TempDir(), "wal"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const wrap = 1 << 30 // rewrite the first GiB, as a restarted WAL is
	b.Run("header+page", func(b *testing.B) {
		hdr, page := make([]byte, 24), make([]byte, 4096)
		var off int64
		for b.Loop() {
			f.WriteAt(hdr, off)
			f.WriteAt(page, off+24)
			off = (off + frame) % wrap
		}
	})
	b.Run("frame", func(b *testing.B) {
		buf := make([]byte, frame)
		var off int64
		for b.Loop() {
			f.WriteAt(buf, off)
			off = (off + frame) % wrap
		}
	})
	b.Run("32frames", func(b *testing.B) {
		buf := make([]byte, 32*frame)
		var off int64
		for i := 0; b.Loop(); i++ {
			if i%32 == 0 {
				f.WriteAt(buf, off)
				off = (off + int64(len(buf))) % wrap
			}
		}
	})
}
