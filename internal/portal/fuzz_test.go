package portal

import (
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/register"
)

// FuzzParseProcedure feeds procedure files (an operator's input) to the
// parser and, when one is accepted, a form to it: nothing may panic.
func FuzzParseProcedure(f *testing.F) {
	for _, name := range []string{"birth_registration.json", "newborn_linked.json", "judicial_record_certificate.json"} {
		b, _ := builtin.ReadFile("procedures/" + name)
		f.Add(b, "child_full_name", "Nguyễn Văn A")
	}
	f.Add([]byte(`{"code":"ab","version":1,"name":{"vi":"a","en":"b"},"time_limit_days":1,"handling":{"level":"commune","unit_from":"applicant"},"fields":[{"name":"ab","type":"text","pattern":"(a+)+"}]}`), "ab", "aaaa")
	person := &register.Person{IDNumber: "046090000001", FullName: "Trần Thị B", BirthDate: "1990-01-02",
		Permanent: &register.Residence{Commune: "19753", Address: "1 Lê Lợi"}}
	f.Fuzz(func(t *testing.T, file []byte, field, value string) {
		p, err := ParseProcedure(file)
		if err != nil {
			return
		}
		vals, err := p.fill(person, map[string]string{field: value}, register.Today(time.Now()))
		if err == nil {
			p.handlingUnit(person, vals, register.Today(time.Now()))
		}
	})
}
