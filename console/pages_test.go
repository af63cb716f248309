package console

import (
	"testing"

	"github.com/pinfold/pinfold"
)

// TestImportRowPercent: an import's processed count grows within a piece
// and its pieces have no planned count until done, so its percentage is
// the pieces done, not the endpoints against a plan.
func TestImportRowPercent(t *testing.T) {
	t.Parallel()
	j := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobImport, Status: pinfold.JobProcessing,
		Import: &pinfold.ImportDefinition{S3URL: "s3://in/x/"},
		Pieces: []pinfold.JobPiece{{Index: 0, Count: 100, Status: pinfold.PieceDone, Processed: 100, Rows: 100},
			{Index: 1, Status: pinfold.PiecePending, Processed: 250, Rows: 250}}}
	row := toRow(j)
	if row.Percent != 50 || row.Planned != 0 || row.Processed != 350 {
		t.Errorf("row: percent %d, planned %d, processed %d; want 50, 0, 350", row.Percent, row.Planned, row.Processed)
	}
}
