package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/sms"
)

// Interface checks: *DB is the e-ID service's storage and the SMS outbox's.
var (
	_ eid.Store       = (*DB)(nil)
	_ sms.OutboxStore = (*DB)(nil)
)

// microsOrNil stores an optional instant.
func microsOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// timeOrNil reads an optional instant.
func timeOrNil(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// affected fails with err when a statement changed no row.
func affected(res sql.Result, err error, context string, none error) error {
	if err != nil {
		return mapErr(err, context)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return none
	}
	return nil
}

const eidAccountColumns = `id, id_number, phone, level, passcode_hash, failed_attempts, lock_count, locked_until,
	totp_secret, totp_pending, totp_last_step, level2_at, level2_by, created_at, updated_at`

func scanEIDAccount(row scanner) (*eid.Account, error) {
	var a eid.Account
	var locked, level2 sql.NullInt64
	var created, updated int64
	if err := row.Scan(&a.ID, &a.IDNumber, &a.Phone, &a.Level, &a.PasscodeHash, &a.FailedAttempts, &a.LockCount, &locked,
		&a.TOTPSecret, &a.TOTPPending, &a.TOTPLastStep, &level2, &a.Level2By, &created, &updated); err != nil {
		return nil, err
	}
	a.LockedUntil, a.Level2At = timeOrNil(locked), timeOrNil(level2)
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	a.TOTPEnabled = a.TOTPSecret != ""
	return &a, nil
}

// CreateEIDAccount consumes the registration challenge and inserts the
// account in one transaction.
func (db *DB) CreateEIDAccount(ctx context.Context, a *eid.Account, challengeID string, maxTries int) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := consumeEIDChallenge(ctx, tx, challengeID, maxTries, a.CreatedAt); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_accounts (`+eidAccountColumns+`)
			VALUES ($1, $2, $3, $4, $5, 0, 0, NULL, '', '', 0, NULL, '', $6, $7)`,
			a.ID, a.IDNumber, a.Phone, a.Level, a.PasscodeHash, micros(a.CreatedAt), micros(a.UpdatedAt))
		if err = mapErr(err, "e-ID account"); apperr.Is(err, apperr.Conflict) {
			return apperr.E(apperr.AccountExists, "this person already has an e-ID account")
		}
		return err
	})
}

// EIDAccount returns an account by id.
func (db *DB) EIDAccount(ctx context.Context, id string) (*eid.Account, error) {
	a, err := scanEIDAccount(db.read.QueryRowContext(ctx, `SELECT `+eidAccountColumns+` FROM eid_accounts WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr(err, "e-ID account")
	}
	return a, db.openTOTP(ctx, a)
}

// EIDAccountByIDNumber returns the account of a person.
func (db *DB) EIDAccountByIDNumber(ctx context.Context, idNumber string) (*eid.Account, error) {
	a, err := scanEIDAccount(db.read.QueryRowContext(ctx, `SELECT `+eidAccountColumns+` FROM eid_accounts WHERE id_number = $1`, idNumber))
	if err != nil {
		return nil, mapErr(err, "e-ID account")
	}
	return a, db.openTOTP(ctx, a)
}

// openTOTP opens an account's sealed TOTP seeds (seal.go).
func (db *DB) openTOTP(ctx context.Context, a *eid.Account) (err error) {
	if a.TOTPSecret, err = db.openValue(ctx, a.TOTPSecret, sealPlace("eid_accounts", "totp_secret", a.ID)); err != nil {
		return err
	}
	a.TOTPPending, err = db.openValue(ctx, a.TOTPPending, sealPlace("eid_accounts", "totp_pending", a.ID))
	return err
}

// RecordEIDFailure counts a failure under the row's lock and locks the
// account when the count reaches the policy's maximum.
func (db *DB) RecordEIDFailure(ctx context.Context, accountID string, now time.Time, p eid.LockPolicy) (lockedUntil time.Time, failures int, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		var locks int
		err := tx.QueryRowContext(ctx, `UPDATE eid_accounts SET failed_attempts = failed_attempts + 1, updated_at = $2
			WHERE id = $1 RETURNING failed_attempts, lock_count`, accountID, micros(now)).Scan(&failures, &locks)
		if err != nil {
			return mapErr(err, "e-ID account")
		}
		if failures < p.MaxFailures {
			return nil
		}
		lockedUntil = now.Add(p.Duration(locks))
		_, err = tx.ExecContext(ctx, `UPDATE eid_accounts SET failed_attempts = 0, lock_count = lock_count + 1, locked_until = $2
			WHERE id = $1`, accountID, micros(lockedUntil))
		return mapErr(err, "lock e-ID account")
	})
	return lockedUntil, failures, err
}

// ClearEIDFailures resets the failure and lock-out counts.
func (db *DB) ClearEIDFailures(ctx context.Context, accountID string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE eid_accounts SET failed_attempts = 0, lock_count = 0, locked_until = NULL, updated_at = $2
			WHERE id = $1 AND (failed_attempts <> 0 OR lock_count <> 0 OR locked_until IS NOT NULL)`, accountID, micros(now))
		return mapErr(err, "clear e-ID failures")
	})
}

// ResetEIDPasscode consumes the challenge, sets the passcode, clears any
// lock and revokes every session, device and passkey, in one transaction.
func (db *DB) ResetEIDPasscode(ctx context.Context, accountID, hash, challengeID string, maxTries int, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := consumeEIDChallenge(ctx, tx, challengeID, maxTries, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE eid_accounts SET passcode_hash = $2, failed_attempts = 0, lock_count = 0,
			locked_until = NULL, updated_at = $3 WHERE id = $1`, accountID, hash, micros(now))
		if err := affected(res, err, "reset passcode", apperr.E(apperr.NotFound, "no such e-ID account")); err != nil {
			return err
		}
		for _, q := range []string{
			`UPDATE eid_sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`,
			`UPDATE eid_devices SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`,
			`UPDATE eid_passkeys SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, accountID, micros(now)); err != nil {
				return mapErr(err, "revoke e-ID sessions and devices")
			}
		}
		return nil
	})
}

// RehashEIDPasscode implements eid.Store: compare and set, so that a
// passcode reset meanwhile is never undone.
func (db *DB) RehashEIDPasscode(ctx context.Context, accountID, oldHash, newHash string, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE eid_accounts SET passcode_hash = $3, updated_at = $4
		WHERE id = $1 AND passcode_hash = $2`, accountID, oldHash, newHash, micros(now))
	return mapErr(err, "rehash passcode")
}

// SetEIDTOTP sets the TOTP secrets and last step.
func (db *DB) SetEIDTOTP(ctx context.Context, accountID, secret, pending string, lastStep int64, now time.Time) error {
	secret, err := db.sealValue(ctx, secret, sealPlace("eid_accounts", "totp_secret", accountID))
	if err != nil {
		return err
	}
	if pending, err = db.sealValue(ctx, pending, sealPlace("eid_accounts", "totp_pending", accountID)); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_accounts SET totp_secret = $2, totp_pending = $3, totp_last_step = $4, updated_at = $5
			WHERE id = $1`, accountID, secret, pending, lastStep, micros(now))
		return affected(res, err, "set TOTP", apperr.E(apperr.NotFound, "no such e-ID account"))
	})
}

// UseEIDTOTPStep records a used TOTP step unless it or a later one was used.
func (db *DB) UseEIDTOTPStep(ctx context.Context, accountID string, step int64) (bool, error) {
	var n int64
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, accountID, step)
		if err != nil {
			return mapErr(err, "use TOTP step")
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// SetEIDLevel changes an account's level and stores the event; a
// downgrade revokes the account's sessions.
func (db *DB) SetEIDLevel(ctx context.Context, accountID string, from, to eid.Level, e *eid.LevelEvent) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var level2At any
		level2By := ""
		if to >= eid.Level2 {
			level2At, level2By = micros(e.At), e.Officer
		}
		res, err := tx.ExecContext(ctx, `UPDATE eid_accounts SET level = $3, level2_at = $4, level2_by = $5, updated_at = $6
			WHERE id = $1 AND level = $2`, accountID, from, to, level2At, level2By, micros(e.At))
		if err := affected(res, err, "set e-ID level", apperr.E(apperr.Conflict, "the account's level changed meanwhile")); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO eid_level_events (account_id, kind, officer, officer_unit, chip_read, face_match, document, note, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			accountID, e.Kind, e.Officer, e.OfficerUnit, e.ChipRead, e.FaceMatch, e.Document, e.Note, micros(e.At))
		if err != nil {
			return mapErr(err, "e-ID level event")
		}
		if to < from {
			_, err = tx.ExecContext(ctx, `UPDATE eid_sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, accountID, micros(e.At))
		}
		return mapErr(err, "revoke e-ID sessions")
	})
}

// CreateEIDChallenge stores a challenge.
func (db *DB) CreateEIDChallenge(ctx context.Context, c *eid.Challenge) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_challenges (id, purpose, account_id, id_number, phone, methods, otp_hash, tries, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`, c.ID, c.Purpose, nullable(c.AccountID), c.IDNumber, c.Phone,
			strings.Join(c.Methods, ","), c.OTPHash, micros(c.ExpiresAt), micros(c.CreatedAt))
		return mapErr(err, "e-ID challenge")
	})
}

// EIDChallenge returns a challenge.
func (db *DB) EIDChallenge(ctx context.Context, id string) (*eid.Challenge, error) {
	var c eid.Challenge
	var account sql.NullString
	var methods string
	var used sql.NullInt64
	var expires, created int64
	err := db.read.QueryRowContext(ctx, `SELECT id, purpose, account_id, id_number, phone, methods, otp_hash, tries, expires_at, used_at, created_at
		FROM eid_challenges WHERE id = $1`, id).Scan(&c.ID, &c.Purpose, &account, &c.IDNumber, &c.Phone, &methods,
		&c.OTPHash, &c.Tries, &expires, &used, &created)
	if err == sql.ErrNoRows {
		return nil, apperr.E(apperr.ChallengeNotFound, "no such challenge")
	}
	if err != nil {
		return nil, mapErr(err, "e-ID challenge")
	}
	c.AccountID, c.Methods = account.String, strings.Split(methods, ",")
	c.ExpiresAt, c.UsedAt, c.CreatedAt = fromMicros(expires), timeOrNil(used), fromMicros(created)
	return &c, nil
}

// SetEIDChallengeOTP replaces the code of an unused challenge.
func (db *DB) SetEIDChallengeOTP(ctx context.Context, id string, otpHash []byte, expiresAt time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_challenges SET otp_hash = $2, expires_at = $3 WHERE id = $1 AND used_at IS NULL`,
			id, otpHash, micros(expiresAt))
		return affected(res, err, "e-ID challenge", apperr.E(apperr.ChallengeNotFound, "no such challenge, or it was already used"))
	})
}

// EIDChallengeFailed counts a wrong code.
func (db *DB) EIDChallengeFailed(ctx context.Context, id string) (tries int, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		return mapErr(tx.QueryRowContext(ctx, `UPDATE eid_challenges SET tries = tries + 1 WHERE id = $1 RETURNING tries`, id).Scan(&tries), "e-ID challenge")
	})
	return tries, err
}

// ConsumeEIDChallenge marks a challenge used, once.
func (db *DB) ConsumeEIDChallenge(ctx context.Context, id string, maxTries int, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error { return consumeEIDChallenge(ctx, tx, id, maxTries, now) })
}

func consumeEIDChallenge(ctx context.Context, tx *Tx, id string, maxTries int, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE eid_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND tries < $3`,
		id, micros(now), maxTries)
	return affected(res, err, "use e-ID challenge", apperr.E(apperr.ChallengeNotFound, "no such challenge, or it was already used: start again"))
}

const eidSessionColumns = `s.id, s.account_id, a.id_number, s.secret_hash, s.level, s.amr, s.auth_time, s.expires_at,
	s.device_id, s.ip, s.user_agent, s.revoked_at`

func scanEIDSession(row scanner) (*eid.Session, error) {
	var s eid.Session
	var amr string
	var auth, expires int64
	var revoked sql.NullInt64
	if err := row.Scan(&s.ID, &s.AccountID, &s.IDNumber, &s.SecretHash, &s.Level, &amr, &auth, &expires,
		&s.DeviceID, &s.IP, &s.UserAgent, &revoked); err != nil {
		return nil, err
	}
	s.AMR, s.AuthTime, s.ExpiresAt, s.RevokedAt = strings.Split(amr, ","), fromMicros(auth), fromMicros(expires), timeOrNil(revoked)
	return &s, nil
}

// CreateEIDSession stores a session.
func (db *DB) CreateEIDSession(ctx context.Context, s *eid.Session) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_sessions (id, account_id, secret_hash, level, amr, auth_time, expires_at, device_id, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, s.ID, s.AccountID, s.SecretHash, s.Level, strings.Join(s.AMR, ","),
			micros(s.AuthTime), micros(s.ExpiresAt), s.DeviceID, s.IP, s.UserAgent)
		return mapErr(err, "e-ID session")
	})
}

// EIDSession returns a session with its account's ID number.
func (db *DB) EIDSession(ctx context.Context, id string) (*eid.Session, error) {
	s, err := scanEIDSession(db.read.QueryRowContext(ctx, `SELECT `+eidSessionColumns+`
		FROM eid_sessions s JOIN eid_accounts a ON a.id = s.account_id WHERE s.id = $1`, id))
	return s, mapErr(err, "e-ID session")
}

// EIDSessions returns an account's active sessions, newest first.
func (db *DB) EIDSessions(ctx context.Context, accountID string, now time.Time) ([]eid.Session, error) {
	out := []eid.Session{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+eidSessionColumns+` FROM eid_sessions s JOIN eid_accounts a ON a.id = s.account_id
			WHERE s.account_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 ORDER BY s.auth_time DESC, s.id`, accountID, micros(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanEIDSession(rows)
			if err != nil {
				return err
			}
			out = append(out, *s)
		}
		return rows.Err()
	})
	return out, mapErr(err, "e-ID sessions")
}

// RevokeEIDSession revokes an active session of the account.
func (db *DB) RevokeEIDSession(ctx context.Context, accountID, sessionID string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_sessions SET revoked_at = $3
			WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL AND expires_at > $3`, accountID, sessionID, micros(now))
		return affected(res, err, "revoke e-ID session", apperr.E(apperr.NotFound, "no such active session"))
	})
}

const eidDeviceColumns = `id, account_id, name, secret_hash, created_at, last_used_at, revoked_at`

func scanEIDDevice(row scanner) (*eid.Device, error) {
	var d eid.Device
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&d.ID, &d.AccountID, &d.Name, &d.SecretHash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastUsedAt, d.RevokedAt = fromMicros(created), timeOrNil(used), timeOrNil(revoked)
	return &d, nil
}

// CreateEIDDevice stores a device binding.
func (db *DB) CreateEIDDevice(ctx context.Context, d *eid.Device) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_devices (id, account_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			d.ID, d.AccountID, d.Name, d.SecretHash, micros(d.CreatedAt))
		return mapErr(err, "e-ID device")
	})
}

// EIDDevice returns a device binding.
func (db *DB) EIDDevice(ctx context.Context, id string) (*eid.Device, error) {
	d, err := scanEIDDevice(db.read.QueryRowContext(ctx, `SELECT `+eidDeviceColumns+` FROM eid_devices WHERE id = $1`, id))
	return d, mapErr(err, "e-ID device")
}

// EIDDevices returns an account's bound devices, newest first.
func (db *DB) EIDDevices(ctx context.Context, accountID string) ([]eid.Device, error) {
	out := []eid.Device{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+eidDeviceColumns+` FROM eid_devices
			WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanEIDDevice(rows)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return rows.Err()
	})
	return out, mapErr(err, "e-ID devices")
}

// RevokeEIDDevice unbinds a device and revokes its sessions.
func (db *DB) RevokeEIDDevice(ctx context.Context, accountID, deviceID string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_devices SET revoked_at = $3 WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL`,
			accountID, deviceID, micros(now))
		if err := affected(res, err, "unbind e-ID device", apperr.E(apperr.NotFound, "no such bound device")); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE eid_sessions SET revoked_at = $3 WHERE account_id = $1 AND device_id = $2 AND revoked_at IS NULL`,
			accountID, deviceID, micros(now))
		return mapErr(err, "revoke the device's sessions")
	})
}

// TouchEIDDevice records a login from a device.
func (db *DB) TouchEIDDevice(ctx context.Context, id string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE eid_devices SET last_used_at = $2 WHERE id = $1`, id, micros(now))
		return mapErr(err, "e-ID device")
	})
}

const eidOrganisationColumns = `id, registration_number, name, kind, representative_id, created_at`

func scanEIDOrganisation(row scanner) (*eid.Organisation, error) {
	var o eid.Organisation
	var created int64
	if err := row.Scan(&o.ID, &o.RegistrationNumber, &o.Name, &o.Kind, &o.RepresentativeID, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = fromMicros(created)
	return &o, nil
}

// CreateEIDOrganisation stores an organisation.
func (db *DB) CreateEIDOrganisation(ctx context.Context, o *eid.Organisation) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_organisations (`+eidOrganisationColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			o.ID, o.RegistrationNumber, o.Name, o.Kind, o.RepresentativeID, micros(o.CreatedAt))
		return mapErr(err, "organisation")
	})
}

// EIDOrganisation returns an organisation.
func (db *DB) EIDOrganisation(ctx context.Context, id string) (*eid.Organisation, error) {
	o, err := scanEIDOrganisation(db.read.QueryRowContext(ctx, `SELECT `+eidOrganisationColumns+` FROM eid_organisations WHERE id = $1`, id))
	return o, mapErr(err, "organisation")
}

// EIDOrganisations returns the organisations an account represents.
func (db *DB) EIDOrganisations(ctx context.Context, representativeID string) ([]eid.Organisation, error) {
	out := []eid.Organisation{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+eidOrganisationColumns+` FROM eid_organisations
			WHERE representative_id = $1 ORDER BY created_at, id`, representativeID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanEIDOrganisation(rows)
			if err != nil {
				return err
			}
			out = append(out, *o)
		}
		return rows.Err()
	})
	return out, mapErr(err, "organisations")
}

// eidRateLockClass is the first key of the PostgreSQL advisory locks that
// serialise rate-limit checks of one key across nodes (the migration lock
// uses the single-key space).
const eidRateLockClass = 7245002

// EIDRateHit counts events in a sliding window: it forgets the key's events
// older than the window, refuses when limit remain, and records one more
// otherwise. SQLite's single writer serialises callers; PostgreSQL takes
// an advisory lock on the key.
func (db *DB) EIDRateHit(ctx context.Context, key string, now time.Time, window time.Duration, limit int) (wait time.Duration, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		if db.Engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, eidRateLockClass, key); err != nil {
				return mapErr(err, "lock rate limit")
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM eid_rate_hits WHERE key = $1 AND at <= $2`, key, micros(now.Add(-window))); err != nil {
			return mapErr(err, "rate limit")
		}
		var n int
		var oldest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), min(at) FROM eid_rate_hits WHERE key = $1`, key).Scan(&n, &oldest); err != nil {
			return mapErr(err, "rate limit")
		}
		if n >= limit {
			wait = max(fromMicros(oldest.Int64).Add(window).Sub(now), time.Second)
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_rate_hits (key, at) VALUES ($1, $2)`, key, micros(now))
		return mapErr(err, "rate limit")
	})
	return wait, err
}

// PruneEID deletes challenges and passkey ceremonies expired for an hour,
// rate-limit events older than a day and sessions expired for 30 days.
func (db *DB) PruneEID(ctx context.Context, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, q := range []struct {
			sql    string
			before time.Time
		}{
			{`DELETE FROM eid_challenges WHERE expires_at < $1`, now.Add(-time.Hour)},
			{`DELETE FROM eid_passkey_ceremonies WHERE expires_at < $1`, now.Add(-time.Hour)},
			{`DELETE FROM eid_rate_hits WHERE at < $1`, now.Add(-24 * time.Hour)},
			{`DELETE FROM eid_sessions WHERE expires_at < $1`, now.Add(-30 * 24 * time.Hour)},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, micros(q.before)); err != nil {
				return mapErr(err, "prune e-ID")
			}
		}
		return nil
	})
}

// AddSMS stores a message of the development outbox.
func (db *DB) AddSMS(ctx context.Context, m *sms.Message) error {
	return db.inTx(ctx, func(tx *Tx) error {
		return mapErr(tx.QueryRowContext(ctx, `INSERT INTO sms_outbox (phone, text, created_at) VALUES ($1, $2, $3) RETURNING id`,
			m.To, m.Text, micros(m.At)).Scan(&m.ID), "store SMS")
	})
}

// SMSMessages returns the newest messages of the outbox to a phone.
func (db *DB) SMSMessages(ctx context.Context, to string, limit int) ([]sms.Message, error) {
	out := []sms.Message{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, phone, text, created_at FROM sms_outbox WHERE phone = $1 ORDER BY id DESC LIMIT $2`, to, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m sms.Message
			var at int64
			if err := rows.Scan(&m.ID, &m.To, &m.Text, &at); err != nil {
				return err
			}
			m.At = fromMicros(at)
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, mapErr(err, "SMS outbox")
}
