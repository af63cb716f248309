package sqlite

import (
	"context"
	"fmt"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// codec is the endpoint codec of every store: endpoints.doc holds its lines,
// which the jobs copy into export files and filter as bytes.
var codec wire.Codec

// upgradeBatch is how many rows one transaction of an upgrade re-encodes.
const upgradeBatch = 5000

// upgradeFormat brings every endpoints.doc to wire.EndpointFormat. Rows of
// an older format (meta endpoint_format) are decoded with that format's
// decoder and written again with codec, in seq order, upgradeBatch rows a
// transaction; each transaction also records the last seq it re-encoded
// (endpoint_format_done), so an upgrade interrupted by a crash resumes where
// it stopped, and the format changes only with the last batch. A database
// of a newer format than this build knows is refused: its lines may mean
// something this build would misread.
func (s *Store) upgradeFormat(ctx context.Context) error {
	var format, done int64
	err := s.write(ctx, "read endpoint format", func(ctx context.Context, tx wtx) error {
		if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'endpoint_format'`).Scan(&format); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'endpoint_format_done'`).Scan(&done)
	})
	if err != nil {
		return err
	}
	switch {
	case format == wire.EndpointFormat:
		return nil
	case format > wire.EndpointFormat:
		return fmt.Errorf("open sqlite store: endpoints are stored in format %d, newer than this pinfold's %d: use a newer pinfold",
			format, wire.EndpointFormat)
	}
	decode := s.decodeFormat
	if decode == nil {
		decode = wire.DecodeEndpointFormat
	}
	s.Logger.Info("sqlite: re-encoding endpoints", "path", s.Path, "from_format", format, "to_format", wire.EndpointFormat, "resume_after_seq", done)
	for {
		last := done
		err := s.write(ctx, "upgrade endpoint format", func(ctx context.Context, tx wtx) error {
			rows, err := tx.QueryContext(ctx, `SELECT seq, doc FROM endpoints WHERE seq > ? ORDER BY seq LIMIT ?`, done, upgradeBatch)
			if err != nil {
				return err
			}
			type row struct {
				seq int64
				doc []byte
			}
			var batch []row
			for rows.Next() {
				var r row
				var old []byte
				if err := rows.Scan(&r.seq, &old); err != nil {
					rows.Close()
					return err
				}
				var e pinfold.Endpoint
				if err := decode(int(format), old, &e); err != nil {
					rows.Close()
					return fmt.Errorf("endpoint at seq %d: %w", r.seq, err)
				}
				r.doc = codec.AppendEndpoint(nil, &e)
				batch = append(batch, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, r := range batch {
				if _, err := tx.ExecContext(ctx, `UPDATE endpoints SET doc = ? WHERE seq = ?`, r.doc, r.seq); err != nil {
					return err
				}
				last = r.seq
			}
			if len(batch) < upgradeBatch {
				// The last batch: every row is in the current format.
				_, err := tx.ExecContext(ctx, `UPDATE meta SET value = CASE key WHEN 'endpoint_format' THEN ? ELSE 0 END
					WHERE key IN ('endpoint_format', 'endpoint_format_done')`, wire.EndpointFormat)
				last = -1
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'endpoint_format_done'`, last)
			return err
		})
		if err != nil {
			return fmt.Errorf("open sqlite store: %w", err)
		}
		if last < 0 {
			s.Logger.Info("sqlite: endpoints re-encoded", "path", s.Path, "format", wire.EndpointFormat)
			return nil
		}
		done = last
	}
}
