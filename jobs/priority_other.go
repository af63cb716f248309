//go:build !linux

package jobs

// lowerThreadPriority does nothing where threads cannot be given their own
// priority portably.
func lowerThreadPriority() error { return nil }
