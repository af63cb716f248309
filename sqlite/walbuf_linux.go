//go:build linux && (amd64 || arm64)

package sqlite

import (
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// WAL write buffering (docs/decisions.md, 20).
//
// SQLite writes each WAL frame with two pwrite calls, its 24-byte header and
// its page, and a commit of 100 new endpoints writes about 215 frames: some
// 430 system calls, which were a third of the writer's time. pinfold
// replaces the pwrite of SQLite's unix VFS (through its system call table,
// sqlite3_vfs.xSetSystemCall) with one that, for the WAL files of open
// Stores only, appends contiguous writes to a buffer in memory. The buffer
// goes to the file in one call
//   - when Store.write has committed, before it returns: a commit is
//     acknowledged only once its frames are in the file;
//   - before any other operation on a descriptor of that WAL file (pread,
//     fstat, ftruncate, close), so that every reader, the checkpointer and
//     the writer itself see the file as if nothing were buffered;
//   - when a write is not contiguous with the buffer, and at 1 MiB.
//
// A process killed while frames are buffered loses a transaction that had
// not been acknowledged, as when it is killed in the middle of SQLite's own
// writes: recovery keeps the WAL up to its last complete commit. A failed
// write of the buffer after SQLite has committed would leave SQLite's view
// ahead of the file, so the process exits instead (walFlushFailed).
//
// Only this process sees the WAL: the Store opens the database with the
// unix-excl VFS, which locks other processes out while it is open.

// walBufMax is the buffer size at which a WAL buffer is written out: 250
// frames, enough to make the calls rare, small enough not to show in RSS.
const walBufMax = 1 << 20

// walFile is the buffer of one WAL file, shared by every descriptor open on
// it in this process.
type walFile struct {
	path string
	mu   sync.Mutex
	fd   int32 // the descriptor the buffered bytes were written to
	off  int64 // file offset of buf[0]
	buf  []byte
	tls  *libc.TLS // walCommitted's, used under mu
}

var (
	walMu     sync.Mutex
	walByPath = map[string]*walFile{} // registered WAL paths
	walByFd   sync.Map                // int32 -> *walFile, open descriptors of them

	// The unix VFS's system calls that pinfold replaces, as installed.
	sysOpen, sysClose, sysPread, sysPwrite, sysFstat, sysFtruncate uintptr

	walInstalled bool
)

// Go implementations of the replaced system calls. They are package
// variables so that the function values SQLite points to stay alive.
var (
	walOpenFn = func(tls *libc.TLS, path uintptr, flags, mode int32) int32 {
		fd := callOpen(tls, path, flags, mode)
		if fd >= 0 {
			walMu.Lock()
			wf := walByPath[libc.GoString(path)]
			walMu.Unlock()
			if wf != nil {
				walByFd.Store(fd, wf)
			}
		}
		return fd
	}
	walCloseFn = func(tls *libc.TLS, fd int32) int32 {
		if wf := walOf(fd); wf != nil {
			wf.mu.Lock()
			err := wf.flushLocked(tls)
			wf.mu.Unlock()
			walByFd.Delete(fd)
			if err != 0 {
				walFlushFailed(wf, err)
			}
		}
		return callClose(tls, fd)
	}
	walPreadFn = func(tls *libc.TLS, fd int32, buf uintptr, n uint64, off int64) int64 {
		if wf := walOf(fd); wf != nil && wf.flush(tls) != 0 {
			return -1
		}
		return callPread(tls, fd, buf, n, off)
	}
	walFstatFn = func(tls *libc.TLS, fd int32, st uintptr) int32 {
		if wf := walOf(fd); wf != nil && wf.flush(tls) != 0 {
			return -1
		}
		return callFstat(tls, fd, st)
	}
	walFtruncateFn = func(tls *libc.TLS, fd int32, size int64) int32 {
		if wf := walOf(fd); wf != nil && wf.flush(tls) != 0 {
			return -1
		}
		return callFtruncate(tls, fd, size)
	}
	walPwriteFn = func(tls *libc.TLS, fd int32, buf uintptr, n uint64, off int64) int64 {
		wf := walOf(fd)
		if wf == nil {
			return callPwrite(tls, fd, buf, n, off)
		}
		wf.mu.Lock()
		defer wf.mu.Unlock()
		if len(wf.buf) > 0 && (fd != wf.fd || off != wf.off+int64(len(wf.buf))) {
			if errno := wf.flushLocked(tls); errno != 0 {
				setErrno(tls, errno)
				return -1
			}
		}
		if len(wf.buf) == 0 {
			wf.fd, wf.off = fd, off
		}
		wf.buf = append(wf.buf, unsafe.Slice((*byte)(cptr(buf)), n)...)
		if len(wf.buf) >= walBufMax {
			if errno := wf.flushLocked(tls); errno != 0 {
				setErrno(tls, errno)
				return -1
			}
		}
		return int64(n)
	}
)

func init() {
	tls := libc.NewTLS()
	defer tls.Close()
	vfs := sqlite3.Xsqlite3_vfs_find(tls, 0)
	if vfs == 0 {
		return
	}
	v := (*sqlite3.Tsqlite3_vfs)(cptr(vfs))
	if v.FxGetSystemCall == 0 || v.FxSetSystemCall == 0 {
		return
	}
	get := func(name string) uintptr {
		z, err := libc.CString(name)
		if err != nil {
			return 0
		}
		defer libc.Xfree(tls, z)
		return (*(*func(*libc.TLS, uintptr, uintptr) uintptr)(unsafe.Pointer(&struct{ uintptr }{v.FxGetSystemCall})))(tls, vfs, z)
	}
	set := func(name string, fn uintptr) bool {
		z, err := libc.CString(name)
		if err != nil {
			return false
		}
		defer libc.Xfree(tls, z)
		return (*(*func(*libc.TLS, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{v.FxSetSystemCall})))(tls, vfs, z, fn) == sqlite3.SQLITE_OK
	}
	sysOpen, sysClose, sysPread = get("open"), get("close"), get("pread")
	sysPwrite, sysFstat, sysFtruncate = get("pwrite"), get("fstat"), get("ftruncate")
	if sysOpen == 0 || sysClose == 0 || sysPread == 0 || sysPwrite == 0 || sysFstat == 0 || sysFtruncate == 0 {
		return
	}
	walInstalled = set("open", funcPointer(walOpenFn)) &&
		set("close", funcPointer(walCloseFn)) &&
		set("pread", funcPointer(walPreadFn)) &&
		set("fstat", funcPointer(walFstatFn)) &&
		set("ftruncate", funcPointer(walFtruncateFn)) &&
		set("pwrite", funcPointer(walPwriteFn))
}

// funcPointer returns f as the transpiled C code holds a function pointer:
// the address of the Go func value (https://golang.org/s/go11func), as
// modernc.org/sqlite does for its own callbacks.
func funcPointer[T any](f T) uintptr {
	return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f}))
}

func callOpen(tls *libc.TLS, path uintptr, flags, mode int32) int32 {
	return (*(*func(*libc.TLS, uintptr, int32, int32) int32)(unsafe.Pointer(&struct{ uintptr }{sysOpen})))(tls, path, flags, mode)
}

func callClose(tls *libc.TLS, fd int32) int32 {
	return (*(*func(*libc.TLS, int32) int32)(unsafe.Pointer(&struct{ uintptr }{sysClose})))(tls, fd)
}

func callPread(tls *libc.TLS, fd int32, buf uintptr, n uint64, off int64) int64 {
	return (*(*func(*libc.TLS, int32, uintptr, uint64, int64) int64)(unsafe.Pointer(&struct{ uintptr }{sysPread})))(tls, fd, buf, n, off)
}

func callPwrite(tls *libc.TLS, fd int32, buf uintptr, n uint64, off int64) int64 {
	return (*(*func(*libc.TLS, int32, uintptr, uint64, int64) int64)(unsafe.Pointer(&struct{ uintptr }{sysPwrite})))(tls, fd, buf, n, off)
}

func callFstat(tls *libc.TLS, fd int32, st uintptr) int32 {
	return (*(*func(*libc.TLS, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{sysFstat})))(tls, fd, st)
}

func callFtruncate(tls *libc.TLS, fd int32, size int64) int32 {
	return (*(*func(*libc.TLS, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{sysFtruncate})))(tls, fd, size)
}

// cptr converts an address in the C heap of modernc.org/libc, which the Go
// collector neither scans nor moves, to a pointer.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

func walOf(fd int32) *walFile {
	if v, ok := walByFd.Load(fd); ok {
		return v.(*walFile)
	}
	return nil
}

func errno(tls *libc.TLS) int32 {
	return *(*int32)(cptr(libc.X__errno_location(tls)))
}

func setErrno(tls *libc.TLS, e int32) {
	*(*int32)(cptr(libc.X__errno_location(tls))) = e
}

// flush writes the buffer out; it returns 0 or the errno of the failure,
// which it also leaves in errno.
func (wf *walFile) flush(tls *libc.TLS) int32 {
	wf.mu.Lock()
	defer wf.mu.Unlock()
	e := wf.flushLocked(tls)
	if e != 0 {
		setErrno(tls, e)
	}
	return e
}

// flushLocked writes the buffer to the file with the original pwrite, all
// of it (short writes are continued), and empties it. The bytes are in
// Go memory, which the call reads directly: pwrite's buffer argument is
// only an address.
func (wf *walFile) flushLocked(tls *libc.TLS) int32 {
	for done := 0; done < len(wf.buf); {
		rest := wf.buf[done:]
		n := callPwrite(tls, wf.fd, uintptr(unsafe.Pointer(&rest[0])), uint64(len(rest)), wf.off+int64(done))
		if n < 0 {
			if e := errno(tls); e != 4 { // EINTR
				// Keep what is left, at its offset, for a retry.
				wf.buf, wf.off = append(wf.buf[:0], rest...), wf.off+int64(done)
				return e
			}
			continue
		}
		done += int(n)
	}
	wf.buf = wf.buf[:0]
	return 0
}

// walRegister starts buffering the writes to the WAL file of the database
// at path (absolute, symbolic links resolved, as SQLite names it). It is a
// no-op when the system calls could not be replaced.
func walRegister(path string) *walFile {
	if !walInstalled {
		return nil
	}
	walMu.Lock()
	defer walMu.Unlock()
	wf := &walFile{path: path + "-wal", tls: libc.NewTLS()}
	walByPath[wf.path] = wf
	return wf
}

// walUnregister stops buffering for wf, whose descriptors are all closed.
func walUnregister(wf *walFile) {
	if wf == nil {
		return
	}
	walMu.Lock()
	defer walMu.Unlock()
	if walByPath[wf.path] == wf {
		delete(walByPath, wf.path)
	}
	wf.mu.Lock()
	defer wf.mu.Unlock()
	wf.tls.Close()
	wf.tls = nil
}

// walCommitted writes out what a committed transaction left in wf's
// buffer. A failure here means SQLite considers frames committed that are
// not in the file; the process stops (walFlushFailed) rather than go on.
func walCommitted(wf *walFile) {
	if wf == nil {
		return
	}
	wf.mu.Lock()
	defer wf.mu.Unlock()
	if len(wf.buf) == 0 {
		return
	}
	if e := wf.flushLocked(wf.tls); e != 0 {
		walFlushFailed(wf, e)
	}
}

// walFlushFailed ends the process: buffered frames of a committed
// transaction could not be written. On restart SQLite recovers the WAL up
// to its last complete commit, which the failed one, never acknowledged,
// is not.
func walFlushFailed(wf *walFile, e int32) {
	panic(fmt.Sprintf("sqlite: writing the buffered WAL of %s failed (errno %d); stopping, the database recovers on restart", wf.path, e))
}
