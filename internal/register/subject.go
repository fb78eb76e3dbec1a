package register

import "context"

// ForSubject returns the current record of idNumber for its subject's own
// use: the e-ID service checking the details a citizen gives about
// himself when he registers. No officer jurisdiction applies and no
// access-log entry is written, because the log records accesses by anyone
// but the subject. A caller that acts for someone else (an officer
// attesting an e-ID account) applies InJurisdiction and logs the access
// itself; no caller shows the record to anyone.
func (s *Service) ForSubject(ctx context.Context, idNumber string) (*Person, error) {
	return s.Store.Person(ctx, idNumber)
}
