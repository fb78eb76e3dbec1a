package register

import "testing"

func TestNameKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyễn Văn An", "nguyen van an"},
		{"NGUYEN VAN AN", "nguyen van an"},
		{"  Đặng   Thị  Ánh  ", "dang thi anh"},
		{"Hoàng Đức Thắng", "hoang duc thang"},
		{"Nguye\u0302\u0303n Văn An", "nguyen van an"}, // decomposed input
		{"", ""},
	}
	for _, tc := range tests {
		if got := NameKey(tc.in); got != tc.want {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nguyễn  văn   an", "Nguyễn Văn An"},
		{"ĐẶNG THỊ ÁNH", "Đặng Thị Ánh"},
		{"Nguye\u0302\u0303n Văn An", "Nguyễn Văn An"},
	}
	for _, tc := range tests {
		if got := NormalizeName(tc.in); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Nguyễn Văn An", true},
		{"H'Hen Niê", true},
		{"An", false},
		{"Nguyễn Văn 3", false},
		{"Nguyễn <script>", false},
	} {
		_, err := ValidName("full_name", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ValidName(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
