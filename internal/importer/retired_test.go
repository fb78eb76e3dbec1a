package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestRun_RetiredIDNumber: a row giving a number retired by a merge is
// rejected with the number that replaced it, never linked to the retired
// record.
func TestRun_RetiredIDNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		header := encodeCSV(t, [][]string{fullHeader()})
		row := func(id, rid string) string {
			cells := e2eCells(e2eRow{cells: map[Column]string{ColRecordID: rid, ColIDNumber: id, ColBirthDate: "1990"}})
			return encodeCSV(t, [][]string{cells})
		}
		const kept, retired = "001090123456", "001090654321"
		first := writeFile(t, "first.csv", header+row(kept, "K1")+row(retired, "R1"))
		if sum, err := Run(ctx, db, testOptions(first, first+".report.csv", 10)); err != nil || sum.Created != 2 {
			t.Fatalf("first import: %+v %v", sum, err)
		}
		signer, _, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
		if err != nil {
			t.Fatal(err)
		}
		alog := accesslog.New(db, signer, accesslog.Options{})
		defer alog.Close()
		reg := &register.Service{Store: db, Log: alog, Now: time.Now}
		pl, _ := json.Marshal(map[string]string{"retired": retired})
		if _, err := reg.RecordEvent(ctx, auth.Actor{ID: "t", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}, kept,
			register.EventRequest{Kind: register.KindMerge, EffectiveDate: "2026-11-20", Payload: pl,
				Legal: register.LegalBasis{DocumentNo: "1/QĐ", DocumentDate: "2026-11-20", Issuer: "UBND"}}); err != nil {
			t.Fatal(err)
		}

		second := writeFile(t, "second.csv", header+row(retired, "R2"))
		report := second + ".report.csv"
		if sum, err := Run(ctx, db, testOptions(second, report, 10)); err != nil || sum.Rejected != 1 {
			t.Fatalf("second import: %+v %v", sum, err)
		}
		f, err := os.Open(report)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		lines, err := csv.NewReader(f).ReadAll()
		if err != nil || len(lines) != 2 {
			t.Fatalf("report: %v %v", lines, err)
		}
		if got := strings.Join(lines[1], ","); !strings.Contains(got, CodeIDNumberRetired) || !strings.Contains(got, kept) {
			t.Errorf("report line: %s", got)
		}
	})
}
