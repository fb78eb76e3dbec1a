package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestCLI_Procedures adds a procedure without code, refuses a bad file
// and keeps the built-in catalogue.
func TestCLI_Procedures(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			dir := t.TempDir()
			proc := `{"code":"fishing_licence","version":1,"name":{"vi":"Cấp giấy phép khai thác thủy sản","en":"Fishing licence"},
				"fields":[{"name":"applicant_full_name","type":"text","label":{"vi":"Họ tên","en":"Name"},"prefill":"applicant.full_name"},
				{"name":"vessel","type":"text","label":{"vi":"Số đăng ký tàu","en":"Vessel"},"required":true,"pattern":"[A-Z]{2}-[0-9]{4,6}-TS"}],
				"fee":40000,"time_limit_days":5,"handling":{"level":"province","unit_from":"applicant"},
				"result":{"type":"certificate","title":{"vi":"Giấy phép khai thác thủy sản","en":"Fishing licence"}}}`
			if err := os.WriteFile(filepath.Join(dir, "fishing_licence.json"), []byte(proc), 0o644); err != nil {
				t.Fatal(err)
			}
			out, code := run(t, "--db", dsn, "procedures", "load", dir)
			if code != 0 || !strings.Contains(out, "loaded 1: fishing_licence") {
				t.Fatalf("load: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "procedures", "load", dir); code != 0 || !strings.Contains(out, "loaded 0") {
				t.Errorf("reload of the same version: exit %d\n%s", code, out)
			}
			out, code = run(t, "--db", dsn, "procedures", "list")
			for _, want := range []string{"fishing_licence", "birth_registration", "newborn_linked", "judicial_record_certificate"} {
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("list lacks %s: exit %d\n%s", want, code, out)
				}
			}
			bad := t.TempDir()
			os.WriteFile(filepath.Join(bad, "x.json"), []byte(`{"code":"x_y","version":1,"name":{"vi":"a","en":"b"},"fields":[{"name":"ab","type":"blob"}]}`), 0o644)
			if out, code = run(t, "--db", dsn, "procedures", "load", bad); code == 0 || !strings.Contains(out, "unknown type") {
				t.Errorf("bad file: exit %d\n%s", code, out)
			}
		})
	}
}
