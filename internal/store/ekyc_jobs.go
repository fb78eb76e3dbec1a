package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/ekyc"
)

var _ ekyc.JobStore = (*DB)(nil)

// jobBlock is how many consecutive lines one block row holds at most.
const jobBlock = 5000

// insertBlocks writes lines, consecutive, as blocks of at most jobBlock
// (job, first_line, last_line, JSON array) rows.
func insertBlocks(ctx context.Context, tx *Tx, table, col, job string, lines []ekyc.Line) error {
	for start := 0; start < len(lines); start += jobBlock {
		chunk := lines[start:min(start+jobBlock, len(lines))]
		texts := make([]string, len(chunk))
		for i, l := range chunk {
			texts[i] = l.Raw
		}
		body, err := json.Marshal(texts)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (job_id, first_line, last_line, `+col+`) VALUES ($1, $2, $3, $4)`,
			job, chunk[0].No, chunk[len(chunk)-1].No, string(body)); err != nil {
			return err
		}
	}
	return nil
}

// CreateEKYCJob implements ekyc.JobStore.
func (db *DB) CreateEKYCJob(ctx context.Context, j *ekyc.Job, raw []string) error {
	lines := make([]ekyc.Line, len(raw))
	for i, r := range raw {
		lines[i] = ekyc.Line{No: int64(i + 1), Raw: r}
	}
	const ins = `INSERT INTO ekyc_jobs (id, owner, client_id, purpose, legal_basis, format, header, status, total_lines, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	args := []any{j.ID, j.Owner, j.ClientID, j.Purpose, j.LegalBasis, j.Format, j.Header, j.Status, j.Total, micros(j.CreatedAt)}
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, ins, args...); err != nil {
			return err
		}
		return insertBlocks(ctx, tx, "ekyc_job_line_blocks", "lines", j.ID, lines)
	})
	return mapErr(err, "create job")
}

const jobColumns = `id, owner, client_id, purpose, legal_basis, format, header, status, total_lines, done_lines, matched,
	no_match, not_found, invalid, error, created_at, started_at, finished_at`

func scanJob(row scanner) (*ekyc.Job, error) {
	var j ekyc.Job
	var created int64
	var started, finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.Owner, &j.ClientID, &j.Purpose, &j.LegalBasis, &j.Format, &j.Header, &j.Status, &j.Total,
		&j.Done, &j.Matched, &j.NoMatch, &j.NotFound, &j.Invalid, &j.Error, &created, &started, &finished); err != nil {
		return nil, err
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt = fromMicros(created), optTime(started), optTime(finished)
	return &j, nil
}

// EKYCJob implements ekyc.JobStore.
func (db *DB) EKYCJob(ctx context.Context, id string) (*ekyc.Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ekyc_jobs WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr(err, "job")
	}
	return j, nil
}

// EKYCJobs implements ekyc.JobStore.
func (db *DB) EKYCJobs(ctx context.Context, owner string, limit int) ([]*ekyc.Job, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+jobColumns+` FROM ekyc_jobs WHERE owner = $1
		ORDER BY created_at DESC LIMIT $2`, owner, limit)
	if err != nil {
		return nil, mapErr(err, "jobs")
	}
	defer rows.Close()
	var out []*ekyc.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, mapErr(err, "jobs")
		}
		out = append(out, j)
	}
	return out, mapErr(rows.Err(), "jobs")
}

// ClaimEKYCJob implements ekyc.JobStore.
func (db *DB) ClaimEKYCJob(ctx context.Context, node string, now, leaseUntil time.Time) (*ekyc.Job, error) {
	var j *ekyc.Job
	err := db.inTx(ctx, func(tx *Tx) error {
		lock := ""
		if db.Engine == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM ekyc_jobs WHERE status IN ('queued', 'running') AND lease_until < $1
			ORDER BY created_at LIMIT 1`+lock, micros(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ekyc_jobs SET status = 'running', lease_owner = $2, lease_until = $3,
			started_at = COALESCE(started_at, $4) WHERE id = $1`, id, node, micros(leaseUntil), micros(now)); err != nil {
			return err
		}
		j, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ekyc_jobs WHERE id = $1`, id))
		return err
	})
	return j, mapErr(err, "claim job")
}

// EKYCJobLines implements ekyc.JobStore.
func (db *DB) EKYCJobLines(ctx context.Context, id string, after int64, limit int) ([]ekyc.Line, error) {
	return db.blockLines(ctx, `SELECT first_line, lines FROM ekyc_job_line_blocks`, id, after, limit)
}

// EKYCJobResults implements ekyc.JobStore.
func (db *DB) EKYCJobResults(ctx context.Context, id string, after int64, limit int) ([]ekyc.Line, error) {
	return db.blockLines(ctx, `SELECT first_line, results FROM ekyc_job_result_blocks`, id, after, limit)
}

// blockLines returns up to limit lines numbered after after, from the
// blocks that hold them.
func (db *DB) blockLines(ctx context.Context, sel, id string, after int64, limit int) ([]ekyc.Line, error) {
	blocks := limit/jobBlock + 2 // the block holding after+1, and enough after it
	rows, err := db.read.QueryContext(ctx, sel+` WHERE job_id = $1 AND last_line > $2 ORDER BY first_line LIMIT $3`, id, after, blocks)
	if err != nil {
		return nil, mapErr(err, "job lines")
	}
	defer rows.Close()
	out := make([]ekyc.Line, 0, limit)
	for rows.Next() && len(out) < limit {
		var first int64
		var body string
		if err := rows.Scan(&first, &body); err != nil {
			return nil, mapErr(err, "job lines")
		}
		var texts []string
		if err := json.Unmarshal([]byte(body), &texts); err != nil {
			return nil, apperr.Wrap(err, "decode a block of job lines")
		}
		for i, t := range texts {
			if no := first + int64(i); no > after && len(out) < limit {
				out = append(out, ekyc.Line{No: no, Raw: t})
			}
		}
	}
	return out, mapErr(rows.Err(), "job lines")
}

// CommitEKYCChunk implements ekyc.JobStore.
func (db *DB) CommitEKYCChunk(ctx context.Context, id, node string, through int64, r ekyc.ChunkResult, leaseUntil time.Time, done bool, now time.Time) error {
	status, finished := "running", any(nil)
	if done {
		status, finished = "done", micros(now)
	}
	const upd = `UPDATE ekyc_jobs SET done_lines = $3, matched = matched + $4, no_match = no_match + $5,
		not_found = not_found + $6, invalid = invalid + $7, lease_until = $8, status = $9, finished_at = $10
		WHERE id = $1 AND lease_owner = $2 AND status = 'running'`
	args := []any{id, node, through, r.Matched, r.NoMatch, r.NotFound, r.Invalid, micros(leaseUntil), status, finished}
	lost := apperr.E(apperr.Conflict, "job %s: lease lost", id)
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, upd, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return lost
		}
		return insertBlocks(ctx, tx, "ekyc_job_result_blocks", "results", id, r.Results)
	})
	if apperr.Is(err, apperr.Conflict) {
		return err
	}
	return mapErr(err, "commit job chunk")
}

// FailEKYCJob implements ekyc.JobStore.
func (db *DB) FailEKYCJob(ctx context.Context, id, reason string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE ekyc_jobs SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1`,
			id, reason, micros(now))
		return mapErr(err, "fail job")
	})
}
