package register

import (
	"encoding/json"
	"testing"
	"time"
)

func mustEvent(t *testing.T, seq int, kind Kind, eff string, at time.Time, payload any) Event {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return Event{PersonID: "046301000001", Seq: seq, Kind: kind, EffectiveDate: Date(eff), RecordedAt: at, Payload: raw}
}

func TestReplay(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	birth := Person{FullName: "Lê Văn Cũ", Gender: "male", BirthDate: "2001-05-06", Status: Living,
		Permanent: &Residence{Commune: "19753", Province: "46", Address: "Thôn 1"}}
	events := []Event{
		mustEvent(t, 1, KindBirth, "2001-05-06", t0, RegistrationPayload{Person: birth}),
		mustEvent(t, 2, KindNameChange, "2020-01-01", t0.Add(time.Hour), NameChangePayload{FullName: "Lê Văn Mới"}),
		mustEvent(t, 3, KindResidence, "2021-01-01", t0.Add(2*time.Hour), ResidencePayload{Type: "temporary",
			Place: &Residence{Commune: "19754", Province: "46", Address: "Phòng 2"}}),
		mustEvent(t, 4, KindDeath, "2022-01-01", t0.Add(3*time.Hour), DeathPayload{DeathDate: "2021-12-30"}),
	}
	tests := []struct {
		name    string
		asOf    string
		knownAt time.Time
		want    func(*Person) bool
	}{
		{"before birth", "2000-01-01", time.Time{}, func(p *Person) bool { return p == nil }},
		{"as born", "2019-12-31", time.Time{}, func(p *Person) bool { return p.FullName == "Lê Văn Cũ" && p.Version == 1 }},
		{"renamed", "2020-06-01", time.Time{}, func(p *Person) bool { return p.FullName == "Lê Văn Mới" && p.Temporary == nil }},
		{"temporary residence", "2021-06-01", time.Time{}, func(p *Person) bool { return p.Temporary != nil && p.Temporary.Commune == "19754" }},
		{"dead", "", time.Time{}, func(p *Person) bool { return p.Status == Dead && p.DeathDate == "2021-12-30" && p.Version == 4 }},
		{"known before the rename was recorded", "", t0.Add(30 * time.Minute), func(p *Person) bool { return p.FullName == "Lê Văn Cũ" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Replay(events, tc.asOf, tc.knownAt)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(p) {
				t.Errorf("unexpected state %+v", p)
			}
		})
	}
}

func TestApply_DivorceClearsSpouse(t *testing.T) {
	p := &Person{SpouseID: "001090000001", Status: Living}
	raw, _ := json.Marshal(SpousePayload{SpouseID: "001090000001"})
	n, err := Apply(p, &Event{Kind: KindDivorce, Seq: 2, Payload: raw})
	if err != nil || n.SpouseID != "" || p.SpouseID == "" {
		t.Errorf("divorce: got %+v, err %v; original must be unchanged", n, err)
	}
}
