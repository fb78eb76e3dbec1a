package register

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProject(t *testing.T) {
	p := &Person{IDNumber: "001090012345", FullName: "Nguyễn Văn An", Gender: "male", BirthDate: "1990-05-02"}
	withCard := func(status string) *Person {
		q := *p
		q.IDCard = &IDCard{Status: status, PhotoRef: "ab12"}
		return &q
	}
	tests := []struct {
		name   string
		p      *Person
		fields []string
		want   map[string]any
	}{
		{"ID number only", p, nil, map[string]any{"id_number": "001090012345"}},
		{"named fields", p, []string{"full_name", "birth_date"},
			map[string]any{"id_number": "001090012345", "full_name": "Nguyễn Văn An", "birth_date": "1990-05-02"}},
		{"unknown field left out", p, []string{"no_such_field"}, map[string]any{"id_number": "001090012345"}},
		{"photo of a valid card", withCard(CardValid), []string{"photo_ref"}, map[string]any{"id_number": "001090012345", "photo_ref": "ab12"}},
		{"no photo of a revoked card", withCard(CardRevoked), []string{"photo_ref"}, map[string]any{"id_number": "001090012345"}},
		{"no photo without a card", p, []string{"photo_ref"}, map[string]any{"id_number": "001090012345"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Project(tt.p, tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Project (-want +got):\n%s", d)
			}
		})
	}
}

func TestProject_MergedRecord(t *testing.T) {
	p := &Person{IDNumber: "001090012345", FullName: "Nguyễn Văn An", MergedInto: "001090054321"}
	got, err := Project(p, []string{"full_name"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id_number": "001090012345", "full_name": "Nguyễn Văn An", "merged_into": "001090054321"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Project (-want +got):\n%s", d)
	}
}
