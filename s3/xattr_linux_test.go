package s3_test

import (
	"os"
	"path/filepath"
	"syscall"
)

// xattrsWork reports whether dir's filesystem takes user extended
// attributes, where versitygw's POSIX backend keeps object metadata.
func xattrsWork(dir string) bool {
	f := filepath.Join(dir, "xattr-probe")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		return false
	}
	defer os.Remove(f)
	return syscall.Setxattr(f, "user.pinfold.probe", []byte("1"), 0) == nil
}
