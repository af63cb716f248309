//go:build !unix

package sqlite

import (
	"fmt"
	"os"
)

// lockFile creates path. Without flock, this platform gets no protection
// against a second process opening the same store.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	return f, nil
}

func unlockFile(f *os.File) error { return f.Close() }
