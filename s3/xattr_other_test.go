//go:build !linux

package s3_test

// xattrsWork reports false off Linux: versitygw then keeps metadata in a
// sidecar directory.
func xattrsWork(string) bool { return false }
