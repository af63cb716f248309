package main

// Backups of the embedded stores: the admin endpoint POST /_pinfold/backup
// on a running node, the archive it streams, and the commands
// `pinfold backup` (which calls the endpoint) and `pinfold restore`
// (which unpacks an archive into a new data dir).

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/klauspost/compress/gzip"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/sigv4"
	"github.com/pinfold/pinfold/sqlite"
)

// The archive: a tar stream (PAX headers, so that modification times keep
// their nanoseconds) of these entries, in this order. The manifest comes
// last: an archive without it is incomplete.
const (
	backupPath      = "/_pinfold/backup"
	archiveFormat   = 1
	archiveStore    = "pinfold.db"    // the store, as data-dir/pinfold.db
	archiveRiver    = "river.db"      // River's tables, as data-dir/river.db
	archiveObjects  = "s3"            // the built-in S3 endpoint's tree, as data-dir/s3
	archiveManifest = "manifest.json" // a backupManifest
	// backupService is the SigV4 service a backup request is signed for,
	// as for pinfold's other /_pinfold/ APIs (docs/events.md).
	backupService = "mobiletargeting"
	// backupTempPrefix names the directory in the data dir where a backup
	// keeps its database copies while it streams them.
	backupTempPrefix = ".pinfold-backup-"
)

// emptySHA256 is the payload hash of a request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// backupManifest describes an archive: what wrote it, when, and what it
// holds, with checksums of the database copies.
type backupManifest struct {
	Format         int    `json:"format"`
	PinfoldVersion string `json:"pinfold_version"`
	// StartedAt is when the node began the backup: every write it
	// acknowledged before then is in the archive.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Store      struct {
		archiveFile
		sqlite.BackupInfo
		CopySeconds float64 `json:"copy_seconds"`
	} `json:"store"`
	River struct {
		archiveFile
		jobs.SQLiteInfo
		CopySeconds float64 `json:"copy_seconds"`
	} `json:"river"`
	Objects struct {
		Buckets int64 `json:"buckets"`
		Files   int64 `json:"files"` // objects, bucket markers and metadata files
		Bytes   int64 `json:"bytes"`
	} `json:"objects"`
}

// archiveFile is a database file of the archive.
type archiveFile struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// adminAccount returns the account whose keys may call the operator
// endpoints: n.AdminAccount, or when it is empty the account of every
// configured key if they all share one; "" (no one) otherwise.
func (n *node) adminAccount() string {
	if n.AdminAccount != "" {
		return n.AdminAccount
	}
	account := ""
	for _, c := range n.Credentials {
		if account != "" && c.Account != account {
			return ""
		}
		account = c.Account
	}
	return account
}

// withBackup routes POST /_pinfold/backup to the node's backup handler and
// every other request to next.
func (n *node) withBackup(next http.Handler) http.Handler {
	b := &backupHandler{n: n, auth: &sigv4.Verifier{Lookup: func(id string) (sigv4.Credential, bool) {
		c, ok := n.Credentials[id]
		return c, ok
	}}, admin: n.adminAccount()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == backupPath {
			b.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// backupHandler serves POST /_pinfold/backup: a request signed (SigV4, for
// service mobiletargeting, without a body) by a key of the admin account
// gets the archive of the node's embedded stores.
type backupHandler struct {
	n     *node
	auth  *sigv4.Verifier
	admin string
	mu    sync.Mutex // one backup at a time
}

// writeBackupError answers a refused backup request with a JSON body in the
// shape of pinfold's other errors.
func writeBackupError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", kind)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": kind, "message": msg})
	w.Write(b)
}

func (b *backupHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := b.n.Logger.With("op", "Backup", "remote", r.RemoteAddr)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeBackupError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "Use POST "+backupPath)
		return
	}
	id, err := b.auth.Verify(r, emptySHA256)
	if err != nil {
		var se *sigv4.Error
		kind := "AccessDeniedException"
		if errors.As(err, &se) {
			kind = string(se.Kind)
		}
		log.Warn("backup refused", "error", err)
		writeBackupError(w, http.StatusForbidden, kind, err.Error())
		return
	}
	log = log.With("account", id.Account, "access_key", id.AccessKeyID)
	switch {
	case id.Service != backupService:
		writeBackupError(w, http.StatusForbidden, "InvalidSignatureException",
			"Credential should be scoped to correct service: '"+backupService+"'.")
		return
	case b.admin == "":
		log.Warn("backup refused: no admin account")
		writeBackupError(w, http.StatusForbidden, "AccessDeniedException",
			"Backups are for the admin account's keys, and keys of several accounts are configured: set --admin-account")
		return
	case id.Account != b.admin:
		log.Warn("backup refused: not the admin account")
		writeBackupError(w, http.StatusForbidden, "AccessDeniedException",
			"Backups are for the keys of the admin account (--admin-account)")
		return
	}
	st, ok := b.n.Store.(*sqlite.Store)
	if !ok || b.n.riverDB == nil {
		writeBackupError(w, http.StatusNotImplemented, "NotImplementedException",
			"This node's store is PostgreSQL: back it up with PostgreSQL's tools (pg_dump, or base backups with WAL archiving), and its objects where they are stored")
		return
	}
	if !b.mu.TryLock() {
		writeBackupError(w, http.StatusConflict, "ConflictException", "A backup is already running")
		return
	}
	defer b.mu.Unlock()
	log.Info("backup started")
	m, sent, err := b.write(r.Context(), w, st)
	if err != nil {
		log.Error("backup failed", "error", err)
		if sent {
			// Cut the response: the client must not take a partial
			// stream for an archive (it would miss the manifest anyway).
			panic(http.ErrAbortHandler)
		}
		return
	}
	log.Info("backup finished", "endpoints", m.Store.Endpoints, "apps", m.Store.Apps, "store_bytes", m.Store.Bytes,
		"store_copy_seconds", m.Store.CopySeconds, "objects", m.Objects.Files, "object_bytes", m.Objects.Bytes,
		"duration", m.FinishedAt.Sub(m.StartedAt))
}

// write copies the databases to a temporary directory of the data dir, then
// streams the archive. An error before the response's status is answered
// with a status; sent reports whether the status was sent.
func (b *backupHandler) write(ctx context.Context, w http.ResponseWriter, st *sqlite.Store) (_ *backupManifest, sent bool, err error) {
	m := &backupManifest{Format: archiveFormat, PinfoldVersion: pinfold.Version, StartedAt: time.Now().UTC()}
	// Copies left by a backup of a process that died mid-way.
	old, _ := filepath.Glob(filepath.Join(b.n.DataDir, backupTempPrefix+"*"))
	for _, p := range old {
		os.RemoveAll(p)
	}
	tmp, err := os.MkdirTemp(b.n.DataDir, backupTempPrefix)
	if err != nil {
		writeBackupError(w, http.StatusInternalServerError, "InternalServerErrorException", "Could not create the backup's temporary directory")
		return nil, false, err
	}
	defer os.RemoveAll(tmp)

	// River's tables first, then the store: the store is the truth about
	// jobs, and a store copy newer than River's only means work that
	// River's copy lacks, which Recover enqueues again at start-up
	// (jobs.BackupSQLite). Objects last, so that every object the store
	// copy refers to (finished export pieces, imports' sources) is in.
	riverPath, storePath := filepath.Join(tmp, archiveRiver), filepath.Join(tmp, archiveStore)
	start := time.Now()
	err = jobs.BackupSQLite(ctx, b.n.riverDB, riverPath)
	m.River.CopySeconds = time.Since(start).Seconds()
	if err == nil {
		start = time.Now()
		err = st.Backup(ctx, storePath)
		m.Store.CopySeconds = time.Since(start).Seconds()
	}
	if err == nil {
		m.Store.BackupInfo, err = sqlite.Inspect(ctx, storePath)
	}
	if err == nil {
		m.River.SQLiteInfo, err = jobs.InspectSQLite(ctx, riverPath)
	}
	if err != nil {
		writeBackupError(w, http.StatusInternalServerError, "InternalServerErrorException", "Could not copy the databases")
		return nil, false, err
	}

	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="pinfold-backup.tar"`)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	fail := func(err error) (*backupManifest, bool, error) { return nil, true, err }
	if m.Store.archiveFile, err = addFile(tw, archiveStore, storePath); err != nil {
		return fail(err)
	}
	if m.River.archiveFile, err = addFile(tw, archiveRiver, riverPath); err != nil {
		return fail(err)
	}
	if b.n.Blobs != nil {
		err = b.n.Blobs.Backup(ctx, func(name string, info fs.FileInfo, body io.Reader) error {
			hdr := &tar.Header{Name: archiveObjects + "/" + name, ModTime: info.ModTime(), Format: tar.FormatPAX}
			if info.IsDir() {
				hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, hdr.Name+"/", 0o755
				m.Objects.Buckets++
				return tw.WriteHeader(hdr)
			}
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeReg, info.Size(), 0o644
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := io.Copy(tw, body); err != nil {
				return err
			}
			m.Objects.Files++
			m.Objects.Bytes += info.Size()
			return nil
		})
		if err != nil {
			return fail(err)
		}
	}
	m.FinishedAt = time.Now().UTC()
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fail(err)
	}
	hdr := &tar.Header{Name: archiveManifest, Typeflag: tar.TypeReg, Size: int64(len(mb)), Mode: 0o644,
		ModTime: m.FinishedAt, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fail(err)
	}
	if _, err := tw.Write(mb); err != nil {
		return fail(err)
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	return m, true, nil
}

// addFile writes the file at p to tw as name and returns its size and
// SHA-256.
func addFile(tw *tar.Writer, name, p string) (archiveFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return archiveFile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return archiveFile{}, err
	}
	hdr := &tar.Header{Name: name, Typeflag: tar.TypeReg, Size: fi.Size(), Mode: 0o644, ModTime: fi.ModTime(), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return archiveFile{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tw, h), f); err != nil {
		return archiveFile{}, err
	}
	return archiveFile{Bytes: fi.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// errArchive marks an archive that is not a complete pinfold backup.
var errArchive = errors.New("not a complete pinfold backup archive")

// readArchive reads an archive from r, checking it as it goes, and calls fn
// with each entry (fn must not keep body). The archive is accepted only
// when it holds nothing but the known entries, ends with a manifest of a
// known format, and the database copies match the manifest's sizes and
// checksums and the object files its counts; every failure wraps
// errArchive. It reads r to its end.
func readArchive(r io.Reader, fn func(hdr *tar.Header, body io.Reader) error) (*backupManifest, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errArchive, fmt.Sprintf(format, args...))
	}
	tr := tar.NewReader(r)
	seen := map[string]archiveFile{}
	var m *backupManifest
	var files, buckets, bytes int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, bad("it ends early (an interrupted backup?)")
			}
			return nil, bad("%v", err)
		}
		if m != nil {
			return nil, bad("entry %q after the manifest", hdr.Name)
		}
		name := hdr.Name
		if !fs.ValidPath(strings.TrimSuffix(name, "/")) || path.Clean(strings.TrimSuffix(name, "/")) != strings.TrimSuffix(name, "/") {
			return nil, bad("invalid entry name %q", name)
		}
		var h hash.Hash
		switch {
		case name == archiveManifest && hdr.Typeflag == tar.TypeReg:
			if hdr.Size > 1<<20 {
				return nil, bad("manifest of %d bytes", hdr.Size)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, bad("read the manifest: %v", err)
			}
			m = new(backupManifest)
			if err := json.Unmarshal(b, m); err != nil {
				return nil, bad("manifest: %v", err)
			}
			if m.Format != archiveFormat {
				return nil, bad("manifest of format %d; this pinfold reads format %d", m.Format, archiveFormat)
			}
			continue
		case (name == archiveStore || name == archiveRiver) && hdr.Typeflag == tar.TypeReg:
			if _, dup := seen[name]; dup {
				return nil, bad("%s twice", name)
			}
			h = sha256.New()
		case strings.HasPrefix(name, archiveObjects+"/") && hdr.Typeflag == tar.TypeReg:
			files++
			bytes += hdr.Size
		case strings.HasPrefix(name, archiveObjects+"/") && hdr.Typeflag == tar.TypeDir:
			buckets++
		default:
			return nil, bad("unexpected entry %q (type %q)", name, hdr.Typeflag)
		}
		body := io.Reader(tr)
		if h != nil {
			body = io.TeeReader(tr, h)
		}
		if err := fn(hdr, body); err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, bad("it ends early, in %s (an interrupted backup?)", name)
			}
			return nil, bad("%s: %v", name, err)
		}
		if h != nil {
			seen[name] = archiveFile{Bytes: hdr.Size, SHA256: hex.EncodeToString(h.Sum(nil))}
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, bad("%v", err)
	}
	if m == nil {
		return nil, bad("it has no manifest (an interrupted backup?)")
	}
	for name, want := range map[string]archiveFile{archiveStore: m.Store.archiveFile, archiveRiver: m.River.archiveFile} {
		got, ok := seen[name]
		switch {
		case !ok:
			return nil, bad("%s is missing", name)
		case got != want:
			return nil, bad("%s does not match the manifest (%d bytes, SHA-256 %s; the manifest says %d bytes, %s): the archive is corrupt",
				name, got.Bytes, got.SHA256, want.Bytes, want.SHA256)
		}
	}
	if files != m.Objects.Files || bytes != m.Objects.Bytes || buckets != m.Objects.Buckets {
		return nil, bad("it holds %d buckets and %d object files of %d bytes; the manifest says %d, %d and %d",
			buckets, files, bytes, m.Objects.Buckets, m.Objects.Files, m.Objects.Bytes)
	}
	return m, nil
}

// BackupCmd asks a running node for a backup and writes it to a file.
type BackupCmd struct {
	To          string `required:"" placeholder:"FILE" help:"Archive to write: a tar file, gzip-compressed when FILE ends in .gz or .tgz or with --gzip. It is written beside FILE and renamed to FILE once complete and checked."`
	Gzip        bool   `help:"Compress the archive with gzip."`
	EndpointURL string `name:"endpoint-url" env:"AWS_ENDPOINT_URL" default:"http://127.0.0.1:4566" help:"The node's URL (${env})."`
}

// Run takes the backup, signing with the standard AWS credential chain
// (environment, shared config and credentials files, ...); the key must be
// one of the node's admin account.
func (c *BackupCmd) Run() error {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	gz := c.Gzip || strings.HasSuffix(c.To, ".gz") || strings.HasSuffix(c.To, ".tgz")
	m, err := takeBackup(ctx, http.DefaultClient, c.EndpointURL, cfg.Credentials, region, c.To, gz)
	if err != nil {
		return err
	}
	fmt.Printf("backup of %s written to %s: %d apps, %d endpoints, %d segments, %d jobs; %d object files (%d bytes); began %s, took %s\n",
		c.EndpointURL, c.To, m.Store.Apps, m.Store.Endpoints, m.Store.Segments, m.Store.Jobs, m.Objects.Files, m.Objects.Bytes,
		m.StartedAt.Format(time.RFC3339), m.FinishedAt.Sub(m.StartedAt).Round(time.Millisecond))
	return nil
}

// takeBackup requests a backup from the node at endpoint, signed with creds,
// and writes it to the file to (gzip-compressed when gz), through a
// temporary file renamed once the whole archive has been checked
// (readArchive).
func takeBackup(ctx context.Context, hc *http.Client, endpoint string, creds aws.CredentialsProvider, region, to string, gz bool) (*backupManifest, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+backupPath, nil)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if creds == nil {
		return nil, errors.New("backup: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)")
	}
	cr, err := creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: retrieve AWS credentials: %w", err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := v4.NewSigner().SignHTTP(ctx, cr, req, emptySHA256, backupService, region, time.Now()); err != nil {
		return nil, fmt.Errorf("backup: sign request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct{ Message string }
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("backup refused by %s: %s: %s", endpoint, resp.Status, e.Message)
	}

	f, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	var out io.Writer = f
	var zw *gzip.Writer
	if gz {
		zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed)
		out = zw
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	m, err := readArchive(io.TeeReader(resp.Body, bw), func(*tar.Header, io.Reader) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("backup: write %s: %w", to, err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("backup: write %s: %w", to, err)
		}
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("backup: write %s: %w", to, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("backup: write %s: %w", to, err)
	}
	if err := os.Rename(f.Name(), to); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done = true
	return m, nil
}

// RestoreCmd unpacks a backup into a new data dir.
type RestoreCmd struct {
	From    string `required:"" type:"existingfile" placeholder:"FILE" help:"Archive written by pinfold backup (tar or gzip-compressed tar)."`
	DataDir string `required:"" placeholder:"DIR" help:"Data dir to create: it must not exist or be empty; then run pinfold serve --data-dir DIR."`
}

// Run restores the archive.
func (c *RestoreCmd) Run() error {
	m, err := restoreBackup(c.From, c.DataDir)
	if err != nil {
		return err
	}
	fmt.Printf("restored %s into %s: %d apps, %d endpoints, %d segments, %d jobs; %d object files; backup began %s\n"+
		"start it with: pinfold serve --data-dir %s\n",
		c.From, c.DataDir, m.Store.Apps, m.Store.Endpoints, m.Store.Segments, m.Store.Jobs, m.Objects.Files,
		m.StartedAt.Format(time.RFC3339), c.DataDir)
	return nil
}

// restoreBackup unpacks the archive at from into dir, which must not exist
// or be empty, holding the store's lock meanwhile, so that no node starts
// on a half-restored dir. A dir in use by a running node (its store locked)
// is refused with an error wrapping sqlite.ErrLocked. When the archive
// turns out incomplete or corrupt, what was unpacked is removed and the
// error wraps errArchive.
func restoreBackup(from, dir string) (_ *backupManifest, err error) {
	f, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	release, err := sqlite.Lock(filepath.Join(dir, archiveStore))
	if err != nil {
		if errors.Is(err, sqlite.ErrLocked) {
			return nil, fmt.Errorf("restore: data dir %s is in use by a running pinfold (%w): restore into a new directory", dir, err)
		}
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer release()
	lockName := archiveStore + ".lock"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	for _, e := range entries {
		if e.Name() != lockName {
			return nil, fmt.Errorf("restore: data dir %s is not empty (it holds %s): restore only into a new or empty directory", dir, e.Name())
		}
	}
	defer func() {
		if err != nil { // leave the dir as empty as it was
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != lockName {
					os.RemoveAll(filepath.Join(dir, e.Name()))
				}
			}
		}
	}()

	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("restore %s: %w: %v", from, errArchive, err)
		}
		defer zr.Close()
		r = zr
	}
	type dated struct {
		path string
		t    time.Time
	}
	var times []dated
	m, err := readArchive(r, func(hdr *tar.Header, body io.Reader) error {
		p := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(hdr.Name, "/")))
		if hdr.Typeflag == tar.TypeDir {
			return os.MkdirAll(p, 0o755)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, body)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: it ends early, in %s (an interrupted backup?)", errArchive, hdr.Name)
			}
			return err
		}
		// Object times are ETags and bucket creation dates: keep them.
		times = append(times, dated{p, hdr.ModTime})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("restore %s: %w", from, err)
	}
	if v := sqlite.SchemaVersion(); m.Store.SchemaVersion > v {
		return nil, fmt.Errorf("restore %s: the store's schema version is %d, newer than this pinfold's %d (the backup was written by pinfold %s): use a newer pinfold",
			from, m.Store.SchemaVersion, v, m.PinfoldVersion)
	}
	for _, d := range times {
		if err := os.Chtimes(d.path, d.t, d.t); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return m, nil
}
