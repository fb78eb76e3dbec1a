package httpapi_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestAPI_Merge: a person registered twice is merged: the kept record
// takes the fuller birth date, names the retired one and keeps both
// histories; the retired record stays readable by number, names the kept
// one, leaves searches and takes no more events. Merges that would lose
// or mix up facts are refused and change nothing.
func TestAPI_Merge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// A living person of the province whose record has a partial birth
		// date, as old records do.
		ps, err := db.SearchPersons(ctx, register.Filter{Province: testProvince, Status: register.Living, Limit: seeded})
		if err != nil {
			t.Fatal(err)
		}
		var kept *register.Person
		for _, p := range ps {
			if p.BirthDate.Partial() {
				kept = p
				break
			}
		}
		if kept == nil {
			t.Fatal("no living person with a partial birth date in the commune")
		}
		full := string(kept.BirthDate) + "-03-14"[len(kept.BirthDate)-4:]
		registerBirth := func(name, gender, date string) string {
			t.Helper()
			body := birthBody(f.commune)
			body["full_name"], body["gender"], body["birth_date"], body["birth_place"] = name, gender, date, "Trạm y tế xã"
			status, m, raw := f.call("POST", "/api/v1/births", "province", body)
			if status != 201 {
				t.Fatalf("register %s: %d %s", name, status, raw)
			}
			return m["id_number"].(string)
		}
		dup := registerBirth(kept.FullName, string(kept.Gender), full)
		merge := func(who, keep, retire string) (int, map[string]any) {
			t.Helper()
			status, m, _ := f.call("POST", "/api/v1/persons/"+keep+"/events", who, event("merge", "2026-11-20", map[string]any{"retired": retire}))
			return status, m
		}

		f.used[kept.IDNumber], f.used[dup] = true, true
		man, woman := f.personIn(f.commune, "male"), f.personIn(f.commune, "female")
		var elsewhere, man2 *register.Person
		for _, p := range ps {
			pc, tc, cc := p.Communes()
			switch {
			case elsewhere == nil && pc != f.commune && tc != f.commune && cc != f.commune:
				elsewhere = p
			case man2 == nil && pc == f.commune && p.Gender == man.Gender && p.BirthDate != man.BirthDate && p.IDNumber != man.IDNumber:
				man2 = p
			}
		}
		twin := registerBirth(man.FullName, string(man.Gender), string(man.BirthDate))
		for _, c := range []struct {
			name         string
			keep, retire string
			who          string
			status       int
			code         string
		}{
			{"itself", kept.IDNumber, kept.IDNumber, "province", 404, "not_found"},
			{"unknown record", kept.IDNumber, "046099999999", "province", 404, "not_found"},
			{"a record outside the jurisdiction", man.IDNumber, elsewhere.IDNumber, "commune", 404, "not_found"},
			{"another gender", man.IDNumber, woman.IDNumber, "commune", 400, "invalid"},
			{"another birth date", man.IDNumber, man2.IDNumber, "commune", 400, "invalid"},
			{"a record in a household", twin, man.IDNumber, "commune", 409, "conflict"},
			{"by a reader", kept.IDNumber, dup, "central", 403, "forbidden"},
		} {
			if status, m := merge(c.who, c.keep, c.retire); status != c.status || errCode(m) != c.code {
				t.Errorf("merge %s: %d %v, want %d %s", c.name, status, m, c.status, c.code)
			}
		}

		status, m := merge("province", kept.IDNumber, dup)
		if status != 201 || m["birth_date"] != full || !slices.Contains(anyStrings(m["merged_from"]), dup) || m["merged_into"] != nil {
			t.Fatalf("merge: %d %v", status, m)
		}
		status, r, raw := f.call("GET", "/api/v1/persons/"+dup, "province", nil)
		if status != 200 || r["merged_into"] != kept.IDNumber {
			t.Fatalf("the retired record: %d %s", status, raw)
		}
		for id, n := range map[string]int{kept.IDNumber: kept.Version + 1, dup: 2} {
			_, h, _ := f.call("GET", "/api/v1/persons/"+id+"/history", "province", nil)
			evs, _ := h["events"].([]any)
			if len(evs) != n || evs[n-1].(map[string]any)["kind"] != "merge" {
				t.Errorf("history of %s: %d events, want %d ending with the merge", id, len(evs), n)
			}
		}
		_, s, _ := f.call("GET", "/api/v1/persons?name="+url.QueryEscape(register.NameKey(kept.FullName))+"&limit=200", "province", nil)
		var found []string
		for _, p := range s["persons"].([]any) {
			found = append(found, p.(map[string]any)["id_number"].(string))
		}
		if !slices.Contains(found, kept.IDNumber) || slices.Contains(found, dup) {
			t.Errorf("search after the merge: %v (kept %s, retired %s)", found, kept.IDNumber, dup)
		}
		// The retired record takes no more events, and cannot be merged again.
		if status, m, _ := f.call("POST", "/api/v1/persons/"+dup+"/events", "province",
			event("name_change", "2026-11-21", map[string]any{"full_name": "Tên Khác", "reason": "x"})); status != 409 || errCode(m) != "conflict" {
			t.Errorf("an event on the retired record: %d %v", status, m)
		}
		if status, m := merge("province", twin, dup); status != 409 || errCode(m) != "conflict" {
			t.Errorf("merging a retired record again: %d %v", status, m)
		}
		// A retired record is never named again as a parent or a spouse.
		parentField := map[string]string{"male": "father_id", "female": "mother_id"}[string(kept.Gender)]
		child := birthBody(f.commune)
		child[parentField] = dup
		if status, m, _ := f.call("POST", "/api/v1/births", "province", child); status != 409 || errCode(m) != "conflict" {
			t.Errorf("a birth naming the retired record: %d %v", status, m)
		}
		for _, c := range []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"a correction naming the retired record", event("correction", "2026-11-21", map[string]any{parentField: dup}), 409, "conflict"},
			{"a correction naming no one", event("correction", "2026-11-21", map[string]any{parentField: "046099999999"}), 404, "not_found"},
		} {
			if status, m, _ := f.call("POST", "/api/v1/persons/"+woman.IDNumber+"/events", "province", c.body); status != c.status || errCode(m) != c.code {
				t.Errorf("%s: %d %v", c.name, status, m)
			}
		}
	})
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
