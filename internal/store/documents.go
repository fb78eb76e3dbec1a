package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/documents"
)

// Interface check: *DB is the integrated documents' storage.
var _ documents.Store = (*DB)(nil)

const providerColumns = `p.id, o.name, p.issuer, p.vcts, p.jwks, p.registered_by, p.created_at, p.updated_at`

func scanProvider(row scanner) (*documents.Provider, error) {
	var p documents.Provider
	var vcts, jwks string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Issuer, &vcts, &jwks, &p.RegisteredBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vcts), &p.VCTs); err != nil {
		return nil, apperr.Wrap(err, "decode provider vcts")
	}
	if err := json.Unmarshal([]byte(jwks), &p.Keys); err != nil {
		return nil, apperr.Wrap(err, "decode provider jwks")
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

// SaveDocumentProvider inserts a data provider or replaces its issuer,
// document types and keys (keeping when and by whom it was first made).
func (db *DB) SaveDocumentProvider(ctx context.Context, p *documents.Provider) (bool, error) {
	vcts, err := json.Marshal(p.VCTs)
	if err != nil {
		return false, apperr.Wrap(err, "encode vcts")
	}
	jwks, err := json.Marshal(p.Keys)
	if err != nil {
		return false, apperr.Wrap(err, "encode jwks")
	}
	created := false
	err = db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE document_providers SET issuer = $2, vcts = $3, jwks = $4, updated_at = $5 WHERE id = $1`,
			p.ID, p.Issuer, string(vcts), string(jwks), micros(p.UpdatedAt))
		if err != nil {
			return mapErr(err, "document provider")
		}
		if n, _ := res.RowsAffected(); n > 0 {
			var at int64
			err := tx.QueryRowContext(ctx, `SELECT registered_by, created_at FROM document_providers WHERE id = $1`, p.ID).
				Scan(&p.RegisteredBy, &at)
			p.CreatedAt = fromMicros(at)
			return mapErr(err, "document provider")
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO document_providers (id, issuer, vcts, jwks, registered_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.Issuer, string(vcts), string(jwks), p.RegisteredBy,
			micros(p.CreatedAt), micros(p.UpdatedAt))
		return mapErr(err, "document provider")
	})
	return created, err
}

// DocumentProvider returns a data provider by its organisation's id.
func (db *DB) DocumentProvider(ctx context.Context, id string) (*documents.Provider, error) {
	p, err := scanProvider(db.read.QueryRowContext(ctx, `SELECT `+providerColumns+`
		FROM document_providers p JOIN eid_organisations o ON o.id = p.id WHERE p.id = $1`, id))
	return p, mapErr(err, "document provider")
}

// DocumentProviderByIssuer returns the data provider whose credentials carry iss.
func (db *DB) DocumentProviderByIssuer(ctx context.Context, iss string) (*documents.Provider, error) {
	p, err := scanProvider(db.read.QueryRowContext(ctx, `SELECT `+providerColumns+`
		FROM document_providers p JOIN eid_organisations o ON o.id = p.id WHERE p.issuer = $1`, iss))
	return p, mapErr(err, "document provider")
}

// DocumentProviders lists the data providers by name.
func (db *DB) DocumentProviders(ctx context.Context) ([]documents.Provider, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+providerColumns+`
		FROM document_providers p JOIN eid_organisations o ON o.id = p.id ORDER BY o.name, p.id`)
	if err != nil {
		return nil, mapErr(err, "document providers")
	}
	defer rows.Close()
	out := []documents.Provider{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, mapErr(err, "document providers")
		}
		out = append(out, *p)
	}
	return out, mapErr(rows.Err(), "document providers")
}

const documentColumns = `id, provider_id, external_id, id_number, vct, version, credential, issued_at, expires_at,
	status, status_idx, created_at, updated_at`

func scanDocument(row scanner) (*documents.Document, error) {
	var d documents.Document
	var issued, expires, idx sql.NullInt64
	var created, updated int64
	if err := row.Scan(&d.ID, &d.ProviderID, &d.ExternalID, &d.IDNumber, &d.VCT, &d.Version, &d.Credential, &issued, &expires,
		&d.Status, &idx, &created, &updated); err != nil {
		return nil, err
	}
	d.IssuedAt, d.ExpiresAt = timeOrNil(issued), timeOrNil(expires)
	if idx.Valid {
		d.StatusIndex = &idx.Int64
	}
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, nil
}

// Document returns a document's current version.
func (db *DB) Document(ctx context.Context, id string) (*documents.Document, error) {
	d, err := scanDocument(db.read.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents WHERE id = $1`, id))
	return d, mapErr(err, "document")
}

// DocumentByExternalID returns a provider's document by its own reference.
func (db *DB) DocumentByExternalID(ctx context.Context, providerID, externalID string) (*documents.Document, error) {
	d, err := scanDocument(db.read.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE provider_id = $1 AND external_id = $2`, providerID, externalID))
	return d, mapErr(err, "document")
}

// DocumentsOf returns a citizen's documents, most recently changed first.
func (db *DB) DocumentsOf(ctx context.Context, idNumber string) ([]documents.Document, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+documentColumns+` FROM documents WHERE id_number = $1
		ORDER BY updated_at DESC, id`, idNumber)
	if err != nil {
		return nil, mapErr(err, "documents")
	}
	defer rows.Close()
	var out []documents.Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, mapErr(err, "documents")
		}
		out = append(out, *d)
	}
	return out, mapErr(rows.Err(), "documents")
}

// PushDocument stores a new document or the next version of the
// provider's document with the same external id (see documents.Store).
func (db *DB) PushDocument(ctx context.Context, d *documents.Document, v *documents.Version) (bool, error) {
	created := false
	err := db.inTx(ctx, func(tx *Tx) error {
		cur, err := scanDocument(tx.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents
			WHERE provider_id = $1 AND external_id = $2`, d.ProviderID, d.ExternalID))
		switch {
		case err == sql.ErrNoRows:
			created = true
			return insertDocument(ctx, tx, d, v)
		case err != nil:
			return mapErr(err, "document")
		case cur.IDNumber != d.IDNumber:
			return apperr.Field(apperr.Conflict, "document_id", "this document_id is another citizen's document")
		case cur.Status == documents.Revoked:
			return apperr.E(apperr.DocumentRevoked, "this document was revoked: issue a new document_id")
		}
		return updateDocument(ctx, tx, cur, d, v)
	})
	return created, err
}

func insertDocument(ctx context.Context, tx *Tx, d *documents.Document, v *documents.Version) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO documents (`+documentColumns+`)
		VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11, $11)`,
		d.ID, d.ProviderID, d.ExternalID, d.IDNumber, d.VCT, d.Credential, microsOrNil(d.IssuedAt), microsOrNil(d.ExpiresAt),
		string(documents.Valid), idxOrNil(d.StatusIndex), micros(d.CreatedAt))
	if err := mapErr(err, "document"); err != nil {
		return err
	}
	d.Version, v.Version = 1, 1
	if err := claimStatusIndex(ctx, tx, d); err != nil {
		return err
	}
	return insertVersion(ctx, tx, d.ID, v)
}

func updateDocument(ctx context.Context, tx *Tx, cur, d *documents.Document, v *documents.Version) error {
	d.ID, d.Version, d.CreatedAt = cur.ID, cur.Version+1, cur.CreatedAt
	v.Version = d.Version
	res, err := tx.ExecContext(ctx, `UPDATE documents SET vct = $3, version = $4, credential = $5, issued_at = $6,
		expires_at = $7, status = $8, status_idx = $9, updated_at = $10 WHERE id = $1 AND version = $2`,
		cur.ID, cur.Version, d.VCT, d.Version, d.Credential, microsOrNil(d.IssuedAt), microsOrNil(d.ExpiresAt),
		string(documents.Valid), idxOrNil(d.StatusIndex), micros(d.UpdatedAt))
	if err := affected(res, err, "document", apperr.E(apperr.Conflict, "the document changed meanwhile: retry")); err != nil {
		return err
	}
	// The replaced version no longer holds: its index, if the new version
	// does not reuse it, becomes invalid for good.
	if cur.StatusIndex != nil && (d.StatusIndex == nil || *cur.StatusIndex != *d.StatusIndex) {
		if _, err := tx.ExecContext(ctx, `UPDATE document_status_entries SET status = 1 WHERE provider_id = $1 AND idx = $2`,
			cur.ProviderID, *cur.StatusIndex); err != nil {
			return mapErr(err, "status list entry")
		}
	}
	if err := claimStatusIndex(ctx, tx, d); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE document_versions SET superseded_at = $2 WHERE document_id = $1 AND superseded_at IS NULL`,
		cur.ID, micros(d.UpdatedAt)); err != nil {
		return mapErr(err, "document version")
	}
	return insertVersion(ctx, tx, d.ID, v)
}

// claimStatusIndex allocates the document's status list index, or makes
// its own index valid again; an index of another document, or one that
// was invalidated, is refused.
func claimStatusIndex(ctx context.Context, tx *Tx, d *documents.Document) error {
	if d.StatusIndex == nil {
		return nil
	}
	var owner string
	var status int
	err := tx.QueryRowContext(ctx, `SELECT document_id, status FROM document_status_entries WHERE provider_id = $1 AND idx = $2`,
		d.ProviderID, *d.StatusIndex).Scan(&owner, &status)
	switch {
	case err == sql.ErrNoRows:
		_, err = tx.ExecContext(ctx, `INSERT INTO document_status_entries (provider_id, idx, document_id, status) VALUES ($1, $2, $3, 0)`,
			d.ProviderID, *d.StatusIndex, d.ID)
		return mapErr(err, "status list entry")
	case err != nil:
		return mapErr(err, "status list entry")
	case owner != d.ID:
		return apperr.Field(apperr.Conflict, "credential", "status.status_list.idx %d is another document's", *d.StatusIndex)
	case status == 1:
		return apperr.Field(apperr.Conflict, "credential", "status.status_list.idx %d was invalidated: use a new index", *d.StatusIndex)
	}
	_, err = tx.ExecContext(ctx, `UPDATE document_status_entries SET status = 0 WHERE provider_id = $1 AND idx = $2`,
		d.ProviderID, *d.StatusIndex)
	return mapErr(err, "status list entry")
}

func insertVersion(ctx context.Context, tx *Tx, id string, v *documents.Version) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO document_versions (document_id, version, credential, jwt_hash, status_idx, pushed_by, pushed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, v.Version, v.Credential, v.JWTHash, idxOrNil(v.StatusIndex), v.PushedBy, micros(v.PushedAt))
	if err = mapErr(err, "document version"); apperr.Is(err, apperr.Conflict) {
		return apperr.Field(apperr.Conflict, "credential", "this credential was already pushed as another document")
	}
	return err
}

func idxOrNil(i *int64) any {
	if i == nil {
		return nil
	}
	return *i
}

// DocumentVersions returns a document's versions, oldest first.
func (db *DB) DocumentVersions(ctx context.Context, id string) ([]documents.Version, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT version, credential, jwt_hash, status_idx, pushed_by, pushed_at, superseded_at
		FROM document_versions WHERE document_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, mapErr(err, "document versions")
	}
	defer rows.Close()
	var out []documents.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, mapErr(err, "document versions")
		}
		out = append(out, *v)
	}
	return out, mapErr(rows.Err(), "document versions")
}

func scanVersion(row scanner) (*documents.Version, error) {
	var v documents.Version
	var idx, superseded sql.NullInt64
	var pushed int64
	if err := row.Scan(&v.Version, &v.Credential, &v.JWTHash, &idx, &v.PushedBy, &pushed, &superseded); err != nil {
		return nil, err
	}
	if idx.Valid {
		v.StatusIndex = &idx.Int64
	}
	v.PushedAt, v.SupersededAt = fromMicros(pushed), timeOrNil(superseded)
	return &v, nil
}

// DocumentByJWTHash returns the document and version of a credential.
func (db *DB) DocumentByJWTHash(ctx context.Context, hash string) (*documents.Document, *documents.Version, error) {
	var id string
	row := db.read.QueryRowContext(ctx, `SELECT document_id, version, credential, jwt_hash, status_idx, pushed_by, pushed_at,
		superseded_at FROM document_versions WHERE jwt_hash = $1`, hash)
	v, err := scanVersion(prefixed{row, &id})
	if err != nil {
		return nil, nil, mapErr(err, "document version")
	}
	d, err := db.Document(ctx, id)
	return d, v, err
}

// prefixed scans a first column into dst, the rest as the wrapped scan does.
type prefixed struct {
	row scanner
	dst any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append([]any{p.dst}, dest...)...) }

// SetDocumentStatus changes a document's status (see documents.Store).
func (db *DB) SetDocumentStatus(ctx context.Context, id string, e *documents.StatusEvent) (*documents.Document, error) {
	var d *documents.Document
	err := db.inTx(ctx, func(tx *Tx) error {
		var err error
		if d, err = scanDocument(tx.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents WHERE id = $1`, id)); err != nil {
			return mapErr(err, "document")
		}
		if d.Status == documents.Revoked {
			return apperr.E(apperr.DocumentRevoked, "this document was revoked: its status can no longer change")
		}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET status = $3, updated_at = $4 WHERE id = $1 AND version = $2`,
			id, d.Version, string(e.Status), micros(e.At))
		if err := affected(res, err, "document", apperr.E(apperr.Conflict, "the document changed meanwhile: retry")); err != nil {
			return err
		}
		if d.StatusIndex != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE document_status_entries SET status = $3 WHERE provider_id = $1 AND idx = $2`,
				d.ProviderID, *d.StatusIndex, int(e.Status.ListValue())); err != nil {
				return mapErr(err, "status list entry")
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO document_status_events (document_id, status, reason, changed_by, at)
			VALUES ($1, $2, $3, $4, $5)`, id, string(e.Status), e.Reason, e.ChangedBy, micros(e.At))
		d.Status, d.UpdatedAt = e.Status, e.At
		return mapErr(err, "document status event")
	})
	return d, err
}

// DocumentStatusEvents returns a document's status changes, oldest first.
func (db *DB) DocumentStatusEvents(ctx context.Context, id string) ([]documents.StatusEvent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT status, reason, changed_by, at FROM document_status_events
		WHERE document_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, mapErr(err, "document status events")
	}
	defer rows.Close()
	var out []documents.StatusEvent
	for rows.Next() {
		var e documents.StatusEvent
		var at int64
		if err := rows.Scan(&e.Status, &e.Reason, &e.ChangedBy, &at); err != nil {
			return nil, mapErr(err, "document status events")
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "document status events")
}

// DocumentStatusList returns a provider's non-valid status list entries
// and its highest allocated index (-1 when none).
func (db *DB) DocumentStatusList(ctx context.Context, providerID string) ([]documents.StatusEntry, int64, error) {
	var out []documents.StatusEntry
	var maxIdx sql.NullInt64
	err := db.inReadTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT max(idx) FROM document_status_entries WHERE provider_id = $1`, providerID).
			Scan(&maxIdx); err != nil {
			return mapErr(err, "status list")
		}
		rows, err := tx.QueryContext(ctx, `SELECT idx, status FROM document_status_entries WHERE provider_id = $1 AND status <> 0`, providerID)
		if err != nil {
			return mapErr(err, "status list")
		}
		defer rows.Close()
		for rows.Next() {
			var e documents.StatusEntry
			var v int
			if err := rows.Scan(&e.Index, &v); err != nil {
				return mapErr(err, "status list")
			}
			e.Value = byte(v)
			out = append(out, e)
		}
		return mapErr(rows.Err(), "status list")
	})
	if !maxIdx.Valid {
		maxIdx.Int64 = -1
	}
	return out, maxIdx.Int64, err
}

// DocumentStatusEntry returns the value of one status list entry.
func (db *DB) DocumentStatusEntry(ctx context.Context, providerID string, idx int64) (byte, error) {
	var v int
	err := db.read.QueryRowContext(ctx, `SELECT status FROM document_status_entries WHERE provider_id = $1 AND idx = $2`,
		providerID, idx).Scan(&v)
	return byte(v), mapErr(err, "status list entry")
}
