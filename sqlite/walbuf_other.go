//go:build !(linux && (amd64 || arm64))

package sqlite

// walFile is a WAL write buffer; elsewhere than on linux/amd64 and
// linux/arm64, SQLite writes its WAL directly (walbuf_linux.go).
type walFile struct{}

func walRegister(path string) *walFile { return nil }
func walUnregister(wf *walFile)        {}
func walCommitted(wf *walFile)         {}
