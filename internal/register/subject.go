package register

import (
	"context"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// ForSubject returns the current record of idNumber for its subject's own
// use: the e-ID service checking the details a citizen gives about
// himself when he registers. No officer jurisdiction applies and no
// access-log entry is written, because the log records accesses by anyone
// but the subject. A caller that acts for someone else (an officer
// attesting an e-ID account) applies InJurisdiction and logs the access
// itself; no caller shows the record to anyone.
//
// A record merged into another is no one's any more: its number was
// retired, so it answers not_found here (its holder uses the kept record).
func (s *Service) ForSubject(ctx context.Context, idNumber string) (*Person, error) {
	p, err := s.Store.Person(ctx, idNumber)
	if err == nil && p.MergedInto != "" {
		return nil, apperr.Field(apperr.NotFound, "id_number", "this ID number was retired when its record was merged into another")
	}
	return p, err
}
