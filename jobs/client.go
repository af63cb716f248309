package jobs

import "github.com/riverqueue/river"

// RiverClient returns the River client the Runner works with, for tools
// that read River's state, such as River's UI. Callers must not start or
// stop it: the Runner does.
func (r *Runner[TTx]) RiverClient() *river.Client[TTx] { return r.client }
