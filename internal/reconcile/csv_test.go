package reconcile

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCSV(t *testing.T) {
	rows, err := ReadCSV(strings.NewReader("\ufeffID_Number,full_name,Birth_Date,gender,record_id\n" +
		"046090012345, Nguyễn Văn An ,02/05/1990,Nam,BH-1\n" +
		"046090012346,,1990-05,nữ,BH-2\n" +
		"046090012347,,31/02/1990,,BH-3\n" +
		"046090012348,,,X,BH-4\n" +
		"046090012349\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Line: 2, RecordID: "BH-1", IDNumber: "046090012345", FullName: "Nguyễn Văn An", BirthDate: "1990-05-02", Gender: "male"},
		{Line: 3, RecordID: "BH-2", IDNumber: "046090012346", BirthDate: "1990-05", Gender: "female"},
		{Line: 4, RecordID: "BH-3", IDNumber: "046090012347", BirthDate: "1990-02-31",
			Problem: `birth_date "31/02/1990" is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY`},
		{Line: 5, RecordID: "BH-4", IDNumber: "046090012348", Problem: `gender "x" is not male, female, Nam or Nữ`},
		{Line: 6, IDNumber: "046090012349"},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

func TestReadCSV_Refused(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"no id_number", "full_name\nAn\n", "id_number column is required"},
		{"unknown column", "id_number,phone\n1,2\n", `unknown column "phone"`},
		{"repeated column", "id_number,ID_NUMBER\n1,2\n", "appears twice"},
		{"broken quoting", "id_number\n\"046090012345\n", "line 2"},
		{"too many rows", "id_number\n" + strings.Repeat("046090012345\n", MaxRows+1), "at most"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadCSV(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadCSV = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	var b strings.Builder
	err := WriteCSV(&b, []Result{{Row: Row{Line: 2, RecordID: "BH-1", IDNumber: "046090012345"}, Outcome: Differs,
		Fields: []string{"full_name", "gender"}, Status: "living", RegisterFullName: "Nguyễn Văn Ân", RegisterGender: "male"}})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(ReportColumns, ",") + "\n2,BH-1,046090012345,differs,full_name;gender,living,,,Nguyễn Văn Ân,,male,\n"
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}

// FuzzReadCSV: any input is a list or a clear error, never a panic, and
// every row read keeps its line.
func FuzzReadCSV(f *testing.F) {
	f.Add("id_number,full_name,birth_date,gender\n046090012345,An,02/05/1990,Nam\n")
	f.Add("id_number\n\"x\"\"\n")
	f.Add("gender,id_number\nnữ,1\n,\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for i, r := range rows {
			if r.Line < 2 || (i > 0 && r.Line <= rows[i-1].Line) {
				t.Fatalf("row %d has line %d", i, r.Line)
			}
		}
	})
}
