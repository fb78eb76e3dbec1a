package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/register"
)

var _ portal.Store = (*DB)(nil)

// SaveProcedures implements portal.Store.
func (db *DB) SaveProcedures(ctx context.Context, ps []*portal.Procedure) ([]string, error) {
	var saved []string
	err := db.inTx(ctx, func(tx *Tx) error {
		saved = saved[:0]
		for _, p := range ps {
			var v int
			err := tx.QueryRowContext(ctx, `SELECT version FROM portal_procedures WHERE code = $1`, p.Code).Scan(&v)
			if err != nil && err != sql.ErrNoRows {
				return mapErr(err, "procedure")
			}
			if err == nil && v >= p.Version {
				continue
			}
			raw, err := json.Marshal(p)
			if err != nil {
				return apperr.Wrap(err, "encode procedure")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO portal_procedures (code, version, data, loaded_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (code) DO UPDATE SET version = excluded.version, data = excluded.data, loaded_at = excluded.loaded_at`,
				p.Code, p.Version, string(raw), micros(tx.Now())); err != nil {
				return mapErr(err, "save procedure")
			}
			saved = append(saved, p.Code)
		}
		return nil
	})
	return saved, err
}

// Procedures implements portal.Store.
func (db *DB) Procedures(ctx context.Context) ([]*portal.Procedure, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data FROM portal_procedures ORDER BY code`)
	if err != nil {
		return nil, mapErr(err, "procedures")
	}
	defer rows.Close()
	out := []*portal.Procedure{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, mapErr(err, "procedures")
		}
		var p portal.Procedure
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return nil, apperr.Wrap(err, "decode procedure")
		}
		out = append(out, &p)
	}
	return out, mapErr(rows.Err(), "procedures")
}

// Procedure implements portal.Store.
func (db *DB) Procedure(ctx context.Context, code string) (*portal.Procedure, error) {
	var raw string
	if err := db.read.QueryRowContext(ctx, `SELECT data FROM portal_procedures WHERE code = $1`, code).Scan(&raw); err != nil {
		return nil, mapErr(err, "procedure")
	}
	var p portal.Procedure
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, apperr.Wrap(err, "decode procedure")
	}
	return &p, nil
}

// dossierData is the JSON column of a dossier.
type dossierData struct {
	Fields    map[string]string    `json:"fields"`
	Documents []portal.DocumentRef `json:"documents,omitempty"`
	Note      string               `json:"note,omitempty"`
	WaitsFor  string               `json:"waits_for,omitempty"`
}

const dossierColumns = `id, procedure, group_id, applicant_id, account_id, subject_id, unit_code, unit_level, province,
	state, fee, paid_at, due_at, data, result_id, version, submitted_at, updated_at`

func scanDossier(sc interface{ Scan(...any) error }) (*portal.Dossier, error) {
	var d portal.Dossier
	var paid sql.NullInt64
	var due, sub, upd int64
	var raw string
	if err := sc.Scan(&d.ID, &d.Procedure, &d.GroupID, &d.ApplicantID, &d.AccountID, &d.SubjectID, &d.UnitCode,
		&d.UnitLevel, &d.Province, &d.State, &d.Fee, &paid, &due, &raw, &d.ResultID, &d.Version, &sub, &upd); err != nil {
		return nil, err
	}
	var data dossierData
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		return nil, apperr.Wrap(err, "decode dossier")
	}
	d.Fields, d.Documents, d.Note, d.WaitsFor = data.Fields, data.Documents, data.Note, data.WaitsFor
	d.PaidAt, d.DueAt, d.SubmittedAt, d.UpdatedAt = optTime(paid), fromMicros(due), fromMicros(sub), fromMicros(upd)
	return &d, nil
}

func (db *DB) queryDossiers(ctx context.Context, query string, args ...any) ([]*portal.Dossier, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, "dossiers")
	}
	defer rows.Close()
	out := []*portal.Dossier{}
	for rows.Next() {
		d, err := scanDossier(rows)
		if err != nil {
			return nil, mapErr(err, "dossiers")
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "dossiers")
}

// Dossier implements portal.Store.
func (db *DB) Dossier(ctx context.Context, id string) (*portal.Dossier, error) {
	d, err := scanDossier(db.read.QueryRowContext(ctx, `SELECT `+dossierColumns+` FROM dossiers WHERE id = $1`, id))
	return d, mapErr(err, "dossier")
}

// DossierHistory implements portal.Store.
func (db *DB) DossierHistory(ctx context.Context, id string) ([]portal.Step, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, at, actor, actor_role, action, from_state, to_state, note
		FROM dossier_history WHERE dossier_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, mapErr(err, "dossier history")
	}
	defer rows.Close()
	var out []portal.Step
	for rows.Next() {
		var s portal.Step
		var at int64
		if err := rows.Scan(&s.Seq, &at, &s.Actor, &s.ActorRole, &s.Action, &s.From, &s.To, &s.Note); err != nil {
			return nil, mapErr(err, "dossier history")
		}
		s.DossierID, s.At = id, fromMicros(at)
		out = append(out, s)
	}
	return out, mapErr(rows.Err(), "dossier history")
}

// ApplicantDossiers implements portal.Store.
func (db *DB) ApplicantDossiers(ctx context.Context, idNumber string, limit int) ([]*portal.Dossier, error) {
	return db.queryDossiers(ctx, `SELECT `+dossierColumns+` FROM dossiers WHERE applicant_id = $1
		ORDER BY submitted_at DESC, id DESC LIMIT $2`, idNumber, limit)
}

// GroupDossiers implements portal.Store.
func (db *DB) GroupDossiers(ctx context.Context, groupID string) ([]*portal.Dossier, error) {
	return db.queryDossiers(ctx, `SELECT `+dossierColumns+` FROM dossiers WHERE group_id = $1 AND group_id <> '' ORDER BY id`, groupID)
}

// ListDossiers implements portal.Store: oldest first (the queue), served
// by dossiers_unit or dossiers_province.
func (db *DB) ListDossiers(ctx context.Context, f portal.Filter) ([]*portal.Dossier, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ScopeUnit != "" {
		where = append(where, "unit_code = "+arg(f.ScopeUnit)+" AND unit_level = 'commune'")
	}
	if f.ScopeProvince != "" {
		where = append(where, "province = "+arg(f.ScopeProvince))
	}
	if f.State != "" {
		where = append(where, "state = "+arg(string(f.State)))
	}
	if f.Procedure != "" {
		where = append(where, "procedure = "+arg(f.Procedure))
	}
	if f.Overdue {
		where = append(where, "due_at < "+arg(micros(f.Now))+" AND state NOT IN ('approved', 'rejected', 'result_issued')")
	}
	if at, id, ok := strings.Cut(f.Cursor, "_"); ok {
		us, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return nil, apperr.Field(apperr.Invalid, "cursor", "bad cursor")
		}
		where = append(where, "(submitted_at, id) > ("+arg(us)+", "+arg(id)+")")
	}
	q := `SELECT ` + dossierColumns + ` FROM dossiers`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY submitted_at, id LIMIT " + arg(f.Limit)
	return db.queryDossiers(ctx, q, args...)
}

// CommitDossiers implements portal.Store.
func (db *DB) CommitDossiers(ctx context.Context, c *portal.Commit) error {
	return db.inTx(ctx, func(tx *Tx) error { return writeDossiers(ctx, tx, c) })
}

// writeDossiers writes a portal commit in tx.
func writeDossiers(ctx context.Context, tx *Tx, c *portal.Commit) error {
	for _, d := range c.New {
		args, err := dossierArgs(d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dossiers (`+dossierColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...); err != nil {
			return mapErr(err, "insert dossier")
		}
		if err := addFileRefs(ctx, tx, d); err != nil {
			return err
		}
	}
	for _, d := range c.Updated {
		args, err := dossierArgs(d)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE dossiers SET subject_id = $2, state = $3, paid_at = $4, data = $5,
			result_id = $6, version = $7, updated_at = $8 WHERE id = $1 AND version = $9`,
			d.ID, d.SubjectID, string(d.State), args[11], args[13], d.ResultID, d.Version, micros(d.UpdatedAt), d.Version-1)
		if err != nil {
			return mapErr(err, "update dossier")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "the dossier changed meanwhile: reload it and try again")
		}
		// A paper a resubmission replaces stays named: it is part of
		// the dossier's history.
		if err := addFileRefs(ctx, tx, d); err != nil {
			return err
		}
	}
	for _, s := range c.Steps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_history (dossier_id, seq, at, actor, actor_role, action, from_state, to_state, note)
			VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_history WHERE dossier_id = $1), $2, $3, $4, $5, $6, $7, $8)`,
			s.DossierID, micros(s.At), s.Actor, s.ActorRole, s.Action, string(s.From), string(s.To), s.Note); err != nil {
			return mapErr(err, "dossier history")
		}
	}
	for _, n := range c.Notifications {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_notifications (id, account_id, dossier_id, kind, state, message, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, n.AccountID, n.DossierID, n.Kind, string(n.State), n.Message, micros(n.CreatedAt)); err != nil {
			return mapErr(err, "notification")
		}
	}
	if p := c.Payment; p != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_payments (id, dossier_id, provider, amount, currency, status, qr_payload,
			provider_ref, created_at, paid_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO UPDATE SET status = excluded.status, provider_ref = excluded.provider_ref, paid_at = excluded.paid_at`,
			p.ID, p.DossierID, p.Provider, p.Amount, p.Currency, p.Status, p.QRPayload, p.ProviderRef, micros(p.CreatedAt),
			optMicros(p.PaidAt)); err != nil {
			return mapErr(err, "payment")
		}
	}
	if r := c.Result; r != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_results (id, dossier_id, title, unit_code, pdf, sha256, signature, key_id,
			verify_url, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			r.ID, r.DossierID, r.Title, r.UnitCode, r.PDF, r.SHA256, r.Signature, r.KeyID, r.VerifyURL, micros(r.IssuedAt)); err != nil {
			return mapErr(err, "result")
		}
	}
	return nil
}

func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// dossierArgs returns the values of dossierColumns.
func dossierArgs(d *portal.Dossier) ([]any, error) {
	raw, err := json.Marshal(dossierData{Fields: d.Fields, Documents: d.Documents, Note: d.Note, WaitsFor: d.WaitsFor})
	if err != nil {
		return nil, apperr.Wrap(err, "encode dossier")
	}
	return []any{d.ID, d.Procedure, d.GroupID, d.ApplicantID, d.AccountID, d.SubjectID, d.UnitCode, d.UnitLevel, d.Province,
		string(d.State), d.Fee, optMicros(d.PaidAt), micros(d.DueAt), string(raw), d.ResultID, d.Version,
		micros(d.SubmittedAt), micros(d.UpdatedAt)}, nil
}

// registerWith is the register's storage whose changes commit a portal
// commit with them.
type registerWith struct {
	*DB
	c *portal.Commit
}

// RegisterWith implements portal.Store.
func (db *DB) RegisterWith(c *portal.Commit) register.Store { return registerWith{db, c} }

// CommitChange writes the register change and the portal commit in one
// transaction; the dossiers of SubjectFromBirth concern the person the
// change creates.
func (r registerWith) CommitChange(ctx context.Context, ch *register.Change) error {
	return r.inTx(ctx, func(tx *Tx) error {
		if err := writeChange(ctx, tx, ch); err != nil {
			return err
		}
		if len(ch.NewIDs) == 1 {
			for _, d := range r.c.SubjectFromBirth {
				d.SubjectID = ch.NewIDs[0]
			}
		}
		return writeDossiers(ctx, tx, r.c)
	})
}

// Payment implements portal.Store.
func (db *DB) Payment(ctx context.Context, id string) (*portal.Payment, error) {
	return only(db.payments(ctx, `WHERE id = $1`, id))("no such payment")
}

// DossierPayments implements portal.Store.
func (db *DB) DossierPayments(ctx context.Context, dossierID string) ([]*portal.Payment, error) {
	return db.payments(ctx, `WHERE dossier_id = $1 ORDER BY created_at`, dossierID)
}

func (db *DB) payments(ctx context.Context, where string, args ...any) ([]*portal.Payment, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, dossier_id, provider, amount, currency, status, qr_payload, provider_ref,
		created_at, paid_at FROM portal_payments `+where, args...)
	if err != nil {
		return nil, mapErr(err, "payments")
	}
	defer rows.Close()
	out := []*portal.Payment{}
	for rows.Next() {
		var p portal.Payment
		var created int64
		var paid sql.NullInt64
		if err := rows.Scan(&p.ID, &p.DossierID, &p.Provider, &p.Amount, &p.Currency, &p.Status, &p.QRPayload, &p.ProviderRef,
			&created, &paid); err != nil {
			return nil, mapErr(err, "payments")
		}
		p.CreatedAt, p.PaidAt = fromMicros(created), optTime(paid)
		out = append(out, &p)
	}
	return out, mapErr(rows.Err(), "payments")
}

// Result implements portal.Store.
func (db *DB) Result(ctx context.Context, id string) (*portal.ResultDoc, error) {
	var r portal.ResultDoc
	var at int64
	err := db.read.QueryRowContext(ctx, `SELECT id, dossier_id, title, unit_code, pdf, sha256, signature, key_id, verify_url, issued_at
		FROM portal_results WHERE id = $1`, id).Scan(&r.ID, &r.DossierID, &r.Title, &r.UnitCode, &r.PDF, &r.SHA256, &r.Signature,
		&r.KeyID, &r.VerifyURL, &at)
	if err != nil {
		return nil, mapErr(err, "result")
	}
	r.IssuedAt = fromMicros(at)
	return &r, nil
}

// Notifications implements portal.Store.
func (db *DB) Notifications(ctx context.Context, accountID string, limit int) ([]portal.Notification, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, dossier_id, kind, state, message, created_at, read_at
		FROM portal_notifications WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, mapErr(err, "notifications")
	}
	defer rows.Close()
	out := []portal.Notification{}
	for rows.Next() {
		var n portal.Notification
		var at int64
		var read sql.NullInt64
		if err := rows.Scan(&n.ID, &n.DossierID, &n.Kind, &n.State, &n.Message, &at, &read); err != nil {
			return nil, mapErr(err, "notifications")
		}
		n.AccountID, n.CreatedAt, n.ReadAt = accountID, fromMicros(at), optTime(read)
		out = append(out, n)
	}
	return out, mapErr(rows.Err(), "notifications")
}

// MarkNotificationRead implements portal.Store.
func (db *DB) MarkNotificationRead(ctx context.Context, accountID, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND account_id = $2`,
			id, accountID, micros(at))
		if err != nil {
			return mapErr(err, "notification")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no such notification")
		}
		return nil
	})
}

// PutFile implements portal.Store: content addressed, so a second copy
// of the same paper changes nothing.
func (db *DB) PutFile(ctx context.Context, f *portal.File) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_files (sha256, media_type, size, content, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING`,
			f.SHA256, f.MediaType, f.Size, f.Content, f.UploadedBy, micros(f.CreatedAt))
		if err != nil {
			return mapErr(err, "file")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO portal_uploads (account_id, sha256, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (account_id, sha256) DO UPDATE SET created_at = excluded.created_at`,
			f.UploadedBy, f.SHA256, micros(f.CreatedAt))
		return mapErr(err, "file upload")
	})
}

// UploadCount implements portal.Store.
func (db *DB) UploadCount(ctx context.Context, accountID string, since time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM portal_uploads WHERE account_id = $1 AND created_at >= $2`,
		accountID, micros(since)).Scan(&n)
	return n, mapErr(err, "count uploads")
}

// UploadedFiles implements portal.Store.
func (db *DB) UploadedFiles(ctx context.Context, accountID string, sha256s []string) (map[string]bool, error) {
	out, err := db.lookupSet(ctx, `SELECT sha256 FROM portal_uploads WHERE account_id = $1 AND sha256`, []any{accountID}, sha256s)
	return out, mapErr(err, "uploaded files")
}

// PruneFiles implements portal.Store, in rounds of at most 500 papers.
func (db *DB) PruneFiles(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.inTx(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM portal_files WHERE sha256 IN (
				SELECT f.sha256 FROM portal_files f
				WHERE NOT EXISTS (SELECT 1 FROM portal_file_refs r WHERE r.sha256 = f.sha256)
				AND NOT EXISTS (SELECT 1 FROM portal_uploads u WHERE u.sha256 = f.sha256 AND u.created_at >= $1)
				LIMIT 500)`, micros(before))
			if err != nil {
				return mapErr(err, "prune files")
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < 500 {
			break
		}
	}
	_, err := db.write.ExecContext(ctx, `DELETE FROM portal_uploads WHERE created_at < $1`, micros(before))
	return total, mapErr(err, "prune uploads")
}

// addFileRefs records which papers a dossier names.
func addFileRefs(ctx context.Context, tx *Tx, d *portal.Dossier) error {
	for _, doc := range d.Documents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_file_refs (sha256, dossier_id) VALUES ($1, $2)
			ON CONFLICT (sha256, dossier_id) DO NOTHING`, doc.SHA256, d.ID); err != nil {
			return mapErr(err, "dossier papers")
		}
	}
	return nil
}

// File implements portal.Store.
func (db *DB) File(ctx context.Context, sha256 string) (*portal.File, error) {
	f := portal.File{SHA256: sha256}
	var at int64
	err := db.read.QueryRowContext(ctx, `SELECT media_type, size, content, uploaded_by, created_at FROM portal_files
		WHERE sha256 = $1`, sha256).Scan(&f.MediaType, &f.Size, &f.Content, &f.UploadedBy, &at)
	if err != nil {
		return nil, mapErr(err, "file")
	}
	f.CreatedAt = fromMicros(at)
	return &f, nil
}
