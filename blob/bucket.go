package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pinfold/pinfold"
)

// CreateBucket creates an empty bucket in account's namespace. It returns
// EINVALID for an invalid account or bucket name and ECONFLICT when the
// bucket already exists.
func (s *Store) CreateBucket(ctx context.Context, account, bucket string) error {
	dir, err := s.bucketPath(account, bucket)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create account dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); errors.Is(err, fs.ErrExist) {
		return pinfold.Errorf(pinfold.ECONFLICT, "bucket %s already exists", bucket)
	} else if err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, bucketMarker), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create bucket marker: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create bucket marker: %w", err)
	}
	return syncDir(filepath.Dir(dir))
}

// HeadBucket returns nil when bucket exists in account's namespace. Errors:
// EINVALID for an invalid account, ENOTFOUND when the bucket does not exist
// (an invalid bucket name never does).
func (s *Store) HeadBucket(ctx context.Context, account, bucket string) error {
	_, err := s.bucketDir(account, bucket)
	return err
}

// ListBuckets calls fn with the name and creation time of each bucket of
// account's namespace, in name order; an account that never created one has
// none. fn returning fs.SkipAll ends the listing without error. Errors:
// EINVALID for an invalid account, fn's error.
func (s *Store) ListBuckets(ctx context.Context, account string, fn func(bucket string, created time.Time) error) error {
	dir, err := s.accountDir(account)
	if err != nil {
		return err
	}
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("list buckets: %w", err)
	}
	for _, de := range des {
		if !de.IsDir() || !pinfold.ValidBucketName(de.Name()) {
			continue
		}
		bdir := filepath.Join(dir, de.Name())
		fi, err := os.Stat(filepath.Join(bdir, bucketMarker))
		if err != nil {
			if fi, err = os.Stat(bdir); err != nil {
				continue // removed meanwhile
			}
		}
		if err := fn(de.Name(), fi.ModTime()); errors.Is(err, fs.SkipAll) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// DeleteBucket deletes bucket from account's namespace, with everything in
// it when force is set. Errors: EINVALID for an invalid account, ENOTFOUND
// when the bucket does not exist, ECONFLICT when it holds objects and force
// is not set.
func (s *Store) DeleteBucket(ctx context.Context, account, bucket string, force bool) error {
	dir, err := s.bucketDir(account, bucket)
	if err != nil {
		return err
	}
	if !force {
		empty := true
		err = walk(ctx, dir, walkOptions{}, func(entry) error {
			empty = false
			return errStop
		})
		if err != nil {
			return fmt.Errorf("delete bucket: %w", err)
		}
		if !empty {
			return pinfold.Errorf(pinfold.ECONFLICT, "bucket %s is not empty", bucket)
		}
	}
	// Renamed out of the way first (to a name that is not a bucket name),
	// so that the bucket disappears at once even when its contents take a
	// while.
	gone := filepath.Join(filepath.Dir(dir), reservedPrefix+"deleting-"+pinfold.NewID())
	if err := os.Rename(dir, gone); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	return nil
}
