package ekyc

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/coalesce"
	"github.com/dancu-vn/dancu/internal/quota"
	"github.com/dancu-vn/dancu/internal/register"
)

// Facts is what verification compares with: a few columns of the
// register and the e-ID account's phone.
type Facts struct {
	Person register.Person // IDNumber, FullName, Gender, BirthDate, Status only
	Phone  string
}

// Store reads facts for many ID numbers at once.
type Store interface {
	VerifyFacts(ctx context.Context, ids []string) (map[string]*Facts, error)
}

// Service verifies requests for partners.
type Service struct {
	Store Store
	Log   *accesslog.Log
	Quota *quota.Limiter

	once   sync.Once
	single *coalesce.Loader[string, *Facts]
}

// Single verifications at once share reads of the register: one read of
// at most singleBatch persons at a time, up to singleReaders when reads
// fall behind (a register larger than memory waits for its disk).
const (
	singleReaders = 4
	singleBatch   = 128
)

// facts reads the facts of ids. A single verification's one person joins
// the others' being read at the same moment (see package coalesce): under
// load, PostgreSQL then runs one statement for many requests.
func (s *Service) facts(ctx context.Context, ids []string) (map[string]*Facts, error) {
	if len(ids) != 1 {
		return s.Store.VerifyFacts(ctx, ids)
	}
	s.once.Do(func() { s.single = coalesce.New(singleReaders, singleBatch, s.Store.VerifyFacts) })
	f, ok, err := s.single.Load(ctx, ids[0])
	if err != nil || !ok {
		return nil, err
	}
	return map[string]*Facts{ids[0]: f}, nil
}

// QuotaKey is what quotas count by: the organisation, so that its clients
// share one allowance, or the client when it belongs to none.
func QuotaKey(a auth.Actor) string {
	if a.Org != "" {
		return "org:" + a.Org
	}
	return a.ID
}

// DefaultPurpose is recorded when a partner declares none.
const DefaultPurpose = "identity_verification"

// Verify answers requests of one partner: quota first (all or nothing),
// then one read of the facts, one batch of access-log entries (fail
// closed: no answer without its entries), then the answers.
func (s *Service) Verify(ctx context.Context, a auth.Actor, lim quota.Limits, reqs []Request) ([]Result, error) {
	if a.Purpose == "" {
		a.Purpose = DefaultPurpose
	}
	if s.Quota != nil {
		if ex := s.Quota.Take(QuotaKey(a), len(reqs), lim); ex != nil {
			return nil, s.refuse(ctx, a, reqs, ex)
		}
	}
	return s.VerifyBatch(ctx, a, reqs)
}

// VerifyBatch is Verify without the quota, for the rows of a bulk job
// whose quota was taken when it was submitted.
func (s *Service) VerifyBatch(ctx context.Context, a auth.Actor, reqs []Request) ([]Result, error) {
	out, entries, err := s.compare(ctx, a, reqs)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, entries); err != nil {
		return nil, err
	}
	return out, nil
}

// compare reads the facts of reqs and compares them, returning the
// answers and the access-log entries that must be durable before any
// answer is given.
func (s *Service) compare(ctx context.Context, a auth.Actor, reqs []Request) ([]Result, []accesslog.Entry, error) {
	if a.Purpose == "" {
		a.Purpose = DefaultPurpose
	}
	ids := make([]string, 0, len(reqs))
	for _, r := range reqs {
		if _, msg := r.Check(); msg == "" {
			ids = append(ids, r.IDNumber)
		}
	}
	facts, err := s.facts(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Result, len(reqs))
	entries := make([]accesslog.Entry, 0, len(reqs))
	for i, r := range reqs {
		var p *register.Person
		var phone string
		if f := facts[r.IDNumber]; f != nil {
			p, phone = &f.Person, f.Phone
		}
		out[i] = Compare(r, p, phone)
		if out[i].Overall == OverallInvalid {
			continue // nothing of a person was read
		}
		entries = append(entries, s.entry(a, r, out[i].Overall))
	}
	return out, entries, nil
}

// record appends entries to the access log and waits until they are
// durable (fail closed: no answer without its entries).
func (s *Service) record(ctx context.Context, entries []accesslog.Entry) error {
	if s.Log == nil || len(entries) == 0 {
		return nil
	}
	return s.Log.Record(ctx, entries...)
}

func (s *Service) entry(a auth.Actor, r Request, outcome string) accesslog.Entry {
	return accesslog.Entry{Actor: a.ID, ActorRole: a.Role, Org: a.Org, Purpose: a.Purpose, LegalBasis: a.Legal,
		Subject: r.IDNumber, Action: "ekyc.verify", Fields: strings.Join(r.Fields(), ","), Outcome: outcome,
		RequestID: a.RequestID}
}

// refuse records refused requests (the anomaly detector watches for quota
// abuse) and returns the rate-limited error with its wait.
func (s *Service) refuse(ctx context.Context, a auth.Actor, reqs []Request, ex *quota.Exceeded) error {
	outcome, msg := "refused_quota_rate", "rate limit exceeded"
	if ex.Daily {
		outcome, msg = "refused_quota_daily", "daily quota exhausted"
	}
	if s.Log != nil && len(reqs) <= 1 { // a refused bulk job is one entry, not a million
		var es []accesslog.Entry
		for _, r := range reqs {
			es = append(es, s.entry(a, r, outcome))
		}
		if len(reqs) == 0 {
			es = append(es, accesslog.Entry{Actor: a.ID, ActorRole: a.Role, Org: a.Org, Purpose: a.Purpose,
				Action: "ekyc.verify", Outcome: outcome, RequestID: a.RequestID})
		}
		if err := s.Log.Record(ctx, es...); err != nil {
			return err
		}
	}
	e := apperr.E(apperr.RateLimited, "%s: retry after %s", msg, ex.Wait.Round(time.Second))
	e.RetryAfter = ex.Wait
	return e
}
