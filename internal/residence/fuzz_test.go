package residence

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/ekyc"
)

// fakeStore keeps one establishment and accepts every stay.
type fakeStore struct{ Store }

func (fakeStore) Establishment(ctx context.Context, id string) (*Establishment, error) {
	return &Establishment{ID: id, OrgID: "org", Commune: "19753", Province: "46"}, nil
}
func (fakeStore) AddStays(ctx context.Context, stays []*Stay) error { return nil }

type noFacts struct{}

func (noFacts) VerifyFacts(ctx context.Context, ids []string) (map[string]*ekyc.Facts, error) {
	return map[string]*ekyc.Facts{}, nil
}

type noLog struct{}

func (noLog) Record(ctx context.Context, entries ...accesslog.Entry) error { return nil }

// FuzzImportCSV feeds businesses' CSV files to the importer: it never
// panics, and every result is declared or invalid.
func FuzzImportCSV(f *testing.F) {
	f.Add("kind,id_number,full_name,birth_date\ncitizen,046190001234,Nguyễn Văn A,1990-01-02\n")
	f.Add("kind,full_name,birth_date,nationality,passport_no,check_in\nforeign,John Smith,1980,GB,X1,2026-01-01 10:00\n")
	f.Add("kind,\"full_name\nx\",birth_date\n\"unclosed\n")
	s := &Service{Store: fakeStore{}, Facts: noFacts{}, Log: noLog{}, Now: time.Now}
	a := auth.Actor{ID: "client:x", Org: "org"}
	f.Fuzz(func(t *testing.T, file string) {
		res, err := s.ImportCSV(context.Background(), a, "est", strings.NewReader(file))
		if err != nil {
			return
		}
		for i, r := range res {
			if r.Status != "declared" && r.Status != "invalid" {
				t.Fatalf("line %d: status %q", i, r.Status)
			}
		}
	})
}
