package ekyc

import (
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
)

func TestCompareAt_Cards(t *testing.T) {
	withCard := func(status string, expiry register.Date) *register.Person {
		return &register.Person{IDNumber: "046095000123", FullName: "Nguyễn Thị Hoà", BirthDate: "1995-03-14", Status: register.Living,
			IDCard: &register.IDCard{Number: "046095000123", IssueDate: "2026-11-27", ExpiryDate: expiry, Status: status}}
	}
	valid := withCard(register.CardValid, "2035-03-14")
	tests := []struct {
		name         string
		p            *register.Person
		number, date string
		today        string
		want         [2]string
	}{
		{"the valid card", valid, "046095000123", "2026-11-27", "2026-12-01", [2]string{Match, Match}},
		{"another issue date", valid, "046095000123", "2020-01-01", "2026-12-01", [2]string{Match, Mismatch}},
		{"an old identity card number", valid, "123456789", "2026-11-27", "2026-12-01", [2]string{Mismatch, Match}},
		{"a lost card", withCard(register.CardRevoked, "2035-03-14"), "046095000123", "2026-11-27", "2026-12-01", [2]string{Mismatch, Mismatch}},
		{"an expired card", valid, "046095000123", "2026-11-27", "2035-03-15", [2]string{Mismatch, Mismatch}},
		{"the last valid day", valid, "046095000123", "2026-11-27", "2035-03-14", [2]string{Match, Match}},
		{"a card for life", withCard(register.CardValid, ""), "046095000123", "2026-11-27", "2090-01-01", [2]string{Match, Match}},
		{"never a card", &register.Person{IDNumber: "046095000123", Status: register.Living}, "046095000123", "2026-11-27", "2026-12-01",
			[2]string{Unavailable, Unavailable}},
		{"malformed", valid, "04609500012x", "27/11/2026", "2026-12-01", [2]string{Invalid, Invalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CompareAt(Request{IDNumber: "046095000123", CardNumber: ptr(tt.number), CardIssueDate: ptr(tt.date)}, tt.p, "", tt.today)
			if got := [2]string{r.Attributes["card_number"], r.Attributes["card_issue_date"]}; got != tt.want {
				t.Errorf("card_number, card_issue_date = %v, want %v", got, tt.want)
			}
		})
	}
}
