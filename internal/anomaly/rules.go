package anomaly

import (
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
)

// rule is how one rule reads the log: which entries it counts, by what
// key, and whether it counts entries or distinct persons.
type rule struct {
	name      string
	matches   func(e accesslog.Entry) bool
	byOrg     bool // keyed by organisation (the actor when there is none)
	distinct  bool // count distinct subjects rather than entries
	threshold Threshold
}

// rules returns the enabled rules of a configuration.
func (c Config) rules() []rule {
	all := []rule{
		{name: RuleMassReads, matches: isRead, distinct: true, threshold: c.MassReads},
		{name: RuleJurisdiction, matches: isOfficerRefusal, threshold: c.Jurisdiction},
		{name: RuleQuota, matches: isQuotaRefusal, byOrg: true, threshold: c.Quota},
		{name: RuleOffPurpose, matches: isPolicyRefusal, threshold: c.OffPurpose},
	}
	return slices.DeleteFunc(all, func(r rule) bool { return !r.threshold.Enabled() })
}

// key returns what the rule counts e by, and whether that is an
// organisation (read through the organisation's index) or an actor.
func (r rule) key(e accesslog.Entry) (key string, org bool) {
	if r.byOrg && e.Org != "" {
		return "org:" + e.Org, true
	}
	return e.Actor, false
}

// failed reports whether an outcome says that no data was given: the
// register's denied, not_found and rejected, eKYC's invalid, and every
// refused_… of the partner APIs.
func failed(outcome string) bool {
	switch outcome {
	case accesslog.OutcomeDenied, accesslog.OutcomeNotFound, accesslog.OutcomeRejected, "invalid":
		return true
	}
	return strings.HasPrefix(outcome, "refused")
}

// isRead reports whether e disclosed a person's data to its actor: any
// successful access to a subject except registering or changing one
// (search hits count: they show name, birth date and residence).
func isRead(e accesslog.Entry) bool {
	return e.Subject != "" && e.Action != accesslog.ActionCreate && e.Action != accesslog.ActionChange && !failed(e.Outcome)
}

// isOfficerRefusal reports whether e is an officer's access that the
// register refused: outside his jurisdiction or role (denied) or of a
// person it does not have (not_found, which is what an officer probing
// ID numbers outside his area mostly gets). Partners' not_found answers
// (eKYC) are not jurisdiction attempts.
func isOfficerRefusal(e accesslog.Entry) bool {
	return auth.ValidRole(e.ActorRole) && (e.Outcome == accesslog.OutcomeDenied || e.Outcome == accesslog.OutcomeNotFound)
}

// isQuotaRefusal reports whether e was refused for a quota (the eKYC API
// logs refused_quota_rate and refused_quota_daily).
func isQuotaRefusal(e accesslog.Entry) bool {
	return strings.HasPrefix(e.Outcome, "refused_quota")
}

// isPolicyRefusal reports whether e was refused because the purpose's
// policy does not allow the data, or the citizen did not consent: reads
// with no relation to the declared purpose.
func isPolicyRefusal(e accesslog.Entry) bool {
	return strings.HasPrefix(e.Outcome, "refused_policy") || strings.HasPrefix(e.Outcome, "refused_consent")
}

// byTime orders entries by time, then Seq.
func byTime(a, b accesslog.Entry) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	switch {
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// bucketOf returns the start of the window bucket that holds t: the
// largest multiple of w since the Unix epoch not after t.
func bucketOf(t time.Time, w time.Duration) time.Time {
	us, wus := t.UnixMicro(), w.Microseconds()
	b := us / wus * wus
	if us < 0 && us%wus != 0 {
		b -= wus
	}
	return time.UnixMicro(b).UTC()
}
