package jobs

import "syscall"

// lowerThreadPriority gives the calling thread the scheduling priority of
// background work (nice 10). On Linux a thread ID names one thread to
// setpriority, not the process.
func lowerThreadPriority() error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), backgroundNice)
}
