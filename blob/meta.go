package blob

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// objectMeta is what the store keeps about an object besides its bytes: the
// JSON file {bucket}/.pinfold-meta/{key}. It is valid only for the file whose
// size and modification time it records.
type objectMeta struct {
	Size    int64             `json:"size"`
	ModTime int64             `json:"mtime"` // UnixNano
	ETag    string            `json:"etag"`  // quoted, as S3 sends it
	Header  map[string]string `json:"header,omitempty"`
}

// metaPath returns the metadata file of key in bucket directory dir.
func metaPath(dir, key string) string {
	return filepath.Join(dir, metaDir, filepath.FromSlash(key))
}

// writeMeta stores meta for key. A stale metadata entry that is in the way
// (left behind by a crash) makes it give up silently: the object then simply
// has no metadata, which is always safe.
func writeMeta(dir, key string, meta *objectMeta) error {
	data, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("encode object metadata: %w", err)
	}
	file := metaPath(dir, key)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
			return nil
		}
		return fmt.Errorf("create metadata folders: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tmpPattern)
	if err != nil {
		return fmt.Errorf("create temp metadata: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist) {
			return nil
		}
		return fmt.Errorf("write object metadata: %w", err)
	}
	return nil
}

// readMeta returns the metadata of key if it exists and describes the file
// fi; nil otherwise.
func readMeta(dir, key string, fi fs.FileInfo) *objectMeta {
	data, err := os.ReadFile(metaPath(dir, key))
	if err != nil {
		return nil
	}
	var m objectMeta
	if json.Unmarshal(data, &m) != nil || m.Size != fi.Size() || m.ModTime != fi.ModTime().UnixNano() {
		return nil
	}
	return &m
}

// removeMeta deletes the metadata of key, if any, and the metadata folders
// it leaves empty.
func removeMeta(dir, key string) {
	file := metaPath(dir, key)
	if os.Remove(file) == nil {
		pruneDirs(filepath.Join(dir, metaDir), filepath.Dir(file))
	}
}

// etagOf returns the quoted ETag of an object: the recorded one, or for an
// object without metadata (written in-process, or by hand) a stable value
// derived from its size and modification time, which changes whenever the
// object does.
func etagOf(fi fs.FileInfo, m *objectMeta) string {
	if m != nil && m.ETag != "" {
		return m.ETag
	}
	sum := md5.Sum(fmt.Appendf(nil, "%d:%d", fi.Size(), fi.ModTime().UnixNano()))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
