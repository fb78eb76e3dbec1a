package dashboard

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSum(t *testing.T) {
	counts := []Count{
		{Province: "46", Commune: "19819", Indicator: Population, Value: 3},
		{Province: "46", Commune: "20131", Indicator: Population, Value: 2},
		{Province: "46", Indicator: DossiersSubmitted, Value: 4}, // a province office
		{Province: "01", Commune: "00004", Indicator: Population, Value: 1},
		{Indicator: Verifications, Value: 7}, // the country only
	}
	got := map[string]float64{}
	for _, v := range sum("2026-11-27", counts, Indicators) {
		if v.Day != "2026-11-27" {
			t.Fatalf("day %q", v.Day)
		}
		got[v.Unit+"/"+v.Indicator] = v.Value
	}
	for key, want := range map[string]float64{
		"19819/population": 3, "20131/population": 2, "46/population": 5, "01/population": 1, "VN/population": 6,
		"46/dossiers_submitted": 4, "19819/dossiers_submitted": 0, "VN/dossiers_submitted": 4,
		"VN/verifications": 7, "46/verifications": 0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if len(got) != 6*len(Indicators) {
		t.Errorf("%d values, want every indicator of 6 units", len(got))
	}
	if flows := sum("2026-11-26", counts, Flows); len(flows) != 6*len(Flows) {
		t.Errorf("%d flow values, want the flows of 6 units", len(flows))
	}
}

func TestRates(t *testing.T) {
	got := RatesOf(map[string]float64{Population14: 200, CardsValid: 150, EIDLevel1: 40, EIDLevel2: 60, DossiersClosed: 0})
	want := map[string]float64{"card_coverage": 0.75, "eid_coverage": 0.5, "eid_level2_share": 0.6}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rates (-want +got):\n%s", d)
	}
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC) // 03:00 on the 28th in Vietnam
	tests := []struct {
		from, to         string
		wantFrom, wantTo string
		wantErr          bool
	}{
		{"", "", "2026-10-30", "2026-11-28", false},
		{"2026-01-01", "2026-03-01", "2026-01-01", "2026-03-01", false},
		{"", "2026-02-01", "2026-01-03", "2026-02-01", false},
		{"2025-01-01", "2025-12-31", "2025-01-01", "2025-12-31", false},
		{"2026-03-02", "2026-03-01", "", "", true},
		{"2024-01-01", "2025-12-31", "", "", true},
		{"01/03/2026", "", "", "", true},
		{"", "2026-02-30", "", "", true},
	}
	for _, tt := range tests {
		from, to, err := period(now, tt.from, tt.to)
		if (err != nil) != tt.wantErr || from != tt.wantFrom || to != tt.wantTo {
			t.Errorf("period(%q, %q) = %q, %q, %v", tt.from, tt.to, from, to, err)
		}
	}
	if p := PeriodOf(now); p.Day != "2026-11-28" || p.To.Sub(p.From) != 24*time.Hour || !p.From.Before(now) || p.Year != 2026 {
		t.Errorf("PeriodOf = %+v", p)
	}
}
