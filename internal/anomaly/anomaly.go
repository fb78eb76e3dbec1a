// Package anomaly watches the access log for misuse and raises alerts:
// mass reads, repeated accesses outside an officer's jurisdiction, quota
// abuse and requests refused by a purpose's policy or for want of consent.
//
// A Detector scans the log's entries after a persisted cursor, in
// batches, and evaluates each rule over a sliding time window around
// every entry it scans. Alerts are deduplicated: one open alert per rule,
// key (actor or organisation) and window bucket, whose count grows as
// more is found. The detector only reads the log, on the read pool: the
// log's appends never wait for it.
package anomaly

import (
	"context"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
)

// Rule names, as alerts and metrics carry them.
const (
	RuleMassReads    = "mass_reads"          // one actor reads many distinct persons
	RuleJurisdiction = "out_of_jurisdiction" // an officer is refused (denied, not found) again and again
	RuleQuota        = "quota_abuse"         // an organisation keeps hitting its quota
	RuleOffPurpose   = "off_purpose"         // requests refused by the purpose's policy or for want of consent
)

// Rules returns every rule name, in a stable order.
func Rules() []string {
	return []string{RuleMassReads, RuleJurisdiction, RuleQuota, RuleOffPurpose}
}

// Alert statuses.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
)

// Alert is one rule's finding about one key within one window bucket.
type Alert struct {
	ID   int64  `json:"id"`
	Rule string `json:"rule"`
	// Key is what the rule counts by: the actor, or "org:" and the
	// organisation for quota_abuse (the actor when there is none).
	Key   string `json:"key"`
	Actor string `json:"actor"` // the actor, or the last one counted for an organisation
	Org   string `json:"org,omitempty"`
	// The window bucket: [WindowStart, WindowEnd), a multiple of the
	// rule's window. Every sliding window that exceeded the threshold and
	// ended in it counts toward this alert.
	WindowStart time.Time     `json:"window_start"`
	WindowEnd   time.Time     `json:"window_end"`
	Window      time.Duration `json:"-"`
	Threshold   int           `json:"threshold"`
	// Count is the largest count found in one sliding window.
	Count int `json:"count"`
	// FirstSeq and LastSeq are the oldest and newest access-log entries
	// counted.
	FirstSeq       int64      `json:"first_seq"`
	LastSeq        int64      `json:"last_seq"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
}

// Filter selects alerts, newest first.
type Filter struct {
	Status string // open or acknowledged; all if empty
	Rule   string // all if empty
	Before int64  // only alerts with a smaller ID, for paging; 0 for none
	Limit  int    // 1..MaxLimit; DefaultLimit if 0
}

// Listing limits.
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// Store is what the detector needs from storage. package store implements
// it.
type Store interface {
	// AccessLogEntryPage returns up to limit entries with Seq >= fromSeq,
	// in Seq order (accesslog.Reader).
	AccessLogEntryPage(ctx context.Context, fromSeq int64, limit int) ([]accesslog.Entry, error)
	// AccessLogActorWindow returns the latest limit entries of actor with
	// from < At <= to and Seq < before, in time order.
	AccessLogActorWindow(ctx context.Context, actor string, from, to time.Time, before int64, limit int) ([]accesslog.Entry, error)
	// AccessLogRefusedOrgWindow returns the latest limit entries of
	// organisation org with from < At <= to and Seq < before whose outcome
	// starts with "refused", in time order.
	AccessLogRefusedOrgWindow(ctx context.Context, org string, from, to time.Time, before int64, limit int) ([]accesslog.Entry, error)

	// AnomalyCursor returns the Seq of the last entry scanned, -1 for none.
	AnomalyCursor(ctx context.Context) (int64, error)
	// SaveAlerts moves the cursor from one Seq to another and stores the
	// findings in one transaction: each is merged into the open alert of
	// its rule, key and window start (largest count, widest Seq range) or
	// inserted. It returns the alerts inserted. If the cursor is no longer
	// at from (another node scanned the batch), it stores nothing and
	// returns an apperr.Conflict error.
	SaveAlerts(ctx context.Context, from, to int64, found []Alert) ([]Alert, error)
	// Alerts lists alerts, newest first.
	Alerts(ctx context.Context, f Filter) ([]Alert, error)
	// AcknowledgeAlert marks an open alert acknowledged by an officer. An
	// unknown ID is apperr.NotFound, an acknowledged alert apperr.Conflict.
	AcknowledgeAlert(ctx context.Context, id int64, by string, at time.Time) (*Alert, error)
	// OpenAlertCounts returns the number of open alerts by rule.
	OpenAlertCounts(ctx context.Context) (map[string]int64, error)
}
