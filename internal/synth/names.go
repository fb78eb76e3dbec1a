package synth

// Name tables. Vietnamese full names are family name + middle name(s) +
// given name; children take the father's family name and women keep
// theirs on marriage. Middle names follow fashion: "Văn" and "Thị" were
// near-universal for people born before 1980 and are now a minority.
//
// Lists are ordered by popularity where the table uses newRanked.

// kinhFamily is the national family-name distribution (per mille of the
// population; the figures usually quoted for the whole country, long tail
// trimmed). The slash pairs are the same name in northern and southern
// form (Hoàng/Huỳnh, Vũ/Võ): splitFamily divides them by region.
var kinhFamily = []entry{
	{"Nguyễn", 384}, {"Trần", 115}, {"Lê", 95}, {"Phạm", 71},
	{"Hoàng/Huỳnh", 51}, {"Phan", 45}, {"Vũ/Võ", 39}, {"Đặng", 21},
	{"Bùi", 20}, {"Đỗ", 14}, {"Hồ", 13}, {"Ngô", 13}, {"Dương", 10},
	{"Lý", 5}, {"Đào", 7}, {"Đoàn", 7}, {"Đinh", 7}, {"Trương", 6},
	{"Trịnh", 6}, {"Mai", 5}, {"Lương", 5}, {"Hà", 5}, {"Lâm", 4},
	{"Cao", 4}, {"Lưu", 4}, {"Phùng", 4}, {"Tô", 4}, {"Tạ", 3},
	{"Vương", 3}, {"Châu", 3}, {"Thái", 2}, {"Quách", 2}, {"Kiều", 2},
	{"Tăng", 2}, {"Đàm", 2}, {"Từ", 2}, {"Chu", 2}, {"Thân", 2},
	{"Giang", 2}, {"Lại", 2}, {"Triệu", 1}, {"Khúc", 1}, {"La", 1},
	{"Mạc", 1}, {"Âu", 1}, {"Tôn", 1}, {"Hứa", 1}, {"Diệp", 1},
	{"Quan", 1}, {"Khổng", 1}, {"Tống", 1}, {"Nghiêm", 1}, {"Lã", 1},
	{"Ninh", 1}, {"Bạch", 1}, {"Ông", 1}, {"Lạc", 1}, {"Doãn", 1},
	{"Kim", 1}, {"Đồng", 1}, {"Hàn", 1}, {"Lục", 1}, {"Nông", 1},
}

// minorityFamily holds family names characteristic of the larger minority
// groups, keyed by refdata ethnicity code. Other groups, and many members
// of these ones, use Kinh-style names.
var minorityFamily = map[string][]entry{
	"02": {{"Hoàng", 20}, {"Nông", 18}, {"Lương", 10}, {"Triệu", 8}, {"Hà", 8}, {"Nguyễn", 8}, {"Ma", 6}, {"Lục", 5}, {"Đàm", 5}, {"Lê", 4}, {"Vi", 4}, {"Lộc", 4}},                                // Tày
	"03": {{"Lò", 20}, {"Lường", 12}, {"Quàng", 10}, {"Cầm", 10}, {"Hà", 10}, {"Vi", 8}, {"Tòng", 6}, {"Điêu", 4}, {"Lù", 4}, {"Sa", 4}, {"Lữ", 3}, {"Lê", 3}, {"Vì", 3}},                          // Thái
	"04": {{"Lâm", 12}, {"Trương", 10}, {"Lý", 10}, {"Trần", 10}, {"Châu", 8}, {"Quách", 6}, {"Hứa", 6}, {"Lưu", 6}, {"Mã", 5}, {"Diệp", 5}, {"Tăng", 5}, {"Hoàng", 5}, {"Dương", 5}, {"Thái", 3}}, // Hoa
	"05": {{"Thạch", 25}, {"Sơn", 20}, {"Danh", 15}, {"Kim", 12}, {"Lâm", 6}, {"Châu", 6}, {"Trần", 5}, {"Chau", 4}, {"Lý", 4}, {"Huỳnh", 3}},                                                      // Khơ-me
	"06": {{"Bùi", 35}, {"Đinh", 25}, {"Quách", 10}, {"Hà", 10}, {"Nguyễn", 8}, {"Xa", 5}, {"Phạm", 4}},                                                                                            // Mường
	"07": {{"Hoàng", 20}, {"Nông", 15}, {"Lương", 10}, {"Vy", 8}, {"Lý", 8}, {"Mã", 6}, {"Chu", 6}, {"Lăng", 6}, {"Nguyễn", 6}, {"Triệu", 5}},                                                      // Nùng
	"08": {{"Giàng", 15}, {"Vàng", 15}, {"Sùng", 12}, {"Thào", 12}, {"Lý", 10}, {"Mùa", 8}, {"Hầu", 6}, {"Lầu", 6}, {"Vừ", 6}, {"Sình", 4}, {"Hờ", 3}, {"Tráng", 3}},                               // HMông
	"09": {{"Triệu", 25}, {"Bàn", 20}, {"Đặng", 15}, {"Lý", 12}, {"Chảo", 8}, {"Phùn", 5}, {"Tẩn", 5}, {"Lò", 3}, {"Sầm", 3}},                                                                      // Dao
}

// Middle names by gender and birth cohort (born before 1980, 1980–1999,
// 2000 and later), per cent-ish weights.
var (
	maleMiddle = [3][]entry{
		{{"Văn", 55}, {"Hữu", 7}, {"Đức", 6}, {"Công", 5}, {"Xuân", 4}, {"Quang", 4}, {"Minh", 4}, {"Đình", 4}, {"Ngọc", 3}, {"Thanh", 3}, {"Mạnh", 2}, {"Trọng", 2}, {"Thế", 2}, {"Tiến", 2}, {"Quốc", 2}, {"Hồng", 1}, {"Bá", 1}, {"Viết", 1}, {"Duy", 1}},
		{{"Văn", 30}, {"Minh", 8}, {"Đức", 7}, {"Quang", 6}, {"Hữu", 5}, {"Công", 5}, {"Thanh", 5}, {"Tuấn", 4}, {"Anh", 4}, {"Quốc", 4}, {"Xuân", 3}, {"Ngọc", 3}, {"Đình", 3}, {"Mạnh", 3}, {"Hoàng", 3}, {"Duy", 3}, {"Trung", 2}, {"Tiến", 2}, {"Trọng", 2}, {"Thế", 2}},
		{{"Văn", 18}, {"Minh", 12}, {"Gia", 8}, {"Đức", 7}, {"Quang", 6}, {"Hoàng", 6}, {"Anh", 6}, {"Bảo", 6}, {"Tuấn", 4}, {"Quốc", 4}, {"Duy", 4}, {"Đăng", 4}, {"Nhật", 4}, {"Thành", 3}, {"Hữu", 3}, {"Công", 3}, {"Khánh", 3}, {"Trung", 2}, {"Thiên", 2}, {"An", 2}},
	}
	femaleMiddle = [3][]entry{
		{{"Thị", 80}, {"Ngọc", 3}, {"Thu", 3}, {"Thanh", 3}, {"Kim", 3}, {"Hồng", 2}, {"Minh", 1}, {"Bích", 1}, {"Phương", 1}, {"Xuân", 1}, {"Mai", 1}},
		{{"Thị", 50}, {"Ngọc", 6}, {"Thu", 5}, {"Thanh", 5}, {"Phương", 4}, {"Thùy", 4}, {"Kim", 3}, {"Hồng", 3}, {"Minh", 3}, {"Mai", 2}, {"Bích", 2}, {"Khánh", 2}, {"Quỳnh", 2}, {"Mỹ", 2}, {"Diệu", 1}, {"Hoài", 1}},
		{{"Thị", 28}, {"Ngọc", 8}, {"Bảo", 7}, {"Khánh", 6}, {"Phương", 5}, {"Minh", 5}, {"Thu", 4}, {"Thanh", 4}, {"Gia", 4}, {"Thùy", 4}, {"Kim", 3}, {"Hà", 3}, {"Mai", 3}, {"Diệu", 3}, {"Quỳnh", 3}, {"An", 3}, {"Tuệ", 2}, {"Yến", 2}, {"Hoài", 2}, {"Như", 2}},
	}
	// secondMiddle gives some younger people a four-part name
	// ("Nguyễn Ngọc Bảo Anh").
	maleSecondMiddle   = []string{"Minh", "Gia", "Bảo", "Đức", "Anh", "Quang", "Hoàng", "Nhật"}
	femaleSecondMiddle = []string{"Thu", "Ngọc", "Bảo", "Minh", "Khánh", "Phương", "Hoài", "Diệu"}
)

// Given names by gender, for people born before 1990 and after; ordered by
// popularity for newRanked. Together about a hundred per gender.
var (
	maleGivenOld = []string{
		"Hùng", "Dũng", "Tuấn", "Thắng", "Hải", "Hòa", "Bình", "Sơn", "Cường", "Long",
		"Hưng", "Thành", "Trung", "Nam", "Hiếu", "Tùng", "Vinh", "Phong", "Thanh", "Toàn",
		"Tâm", "Đức", "Hoàng", "Minh", "Lâm", "Phúc", "Quý", "Tài", "Thái", "Thịnh",
		"Thông", "Tiến", "Trí", "Việt", "Chiến", "Công", "Cương", "Định", "Đông", "Giang",
		"Hạnh", "Hậu", "Khải", "Lộc", "Lợi", "Mạnh", "Nghĩa", "Nhân", "Phương", "Quyết",
		"Sang", "Tân", "Thiện", "Thuận", "Tú", "Tư", "Xuân", "Khoa", "Hiển", "Kiên",
		"Lực", "Đạt", "Hào", "Huy", "Quang", "Vũ", "Bắc", "Dương", "Điệp", "Khánh",
	}
	maleGivenNew = []string{
		"Minh", "Khang", "Phúc", "Bảo", "An", "Khôi", "Huy", "Nam", "Đăng", "Khoa",
		"Quân", "Duy", "Đạt", "Hiếu", "Tuấn", "Hoàng", "Long", "Kiên", "Lâm", "Thành",
		"Trí", "Việt", "Anh", "Nhật", "Phong", "Thịnh", "Vinh", "Hưng", "Tùng", "Sơn",
		"Khánh", "Kiệt", "Lộc", "Nguyên", "Phát", "Quang", "Tín", "Toàn", "Trung", "Tường",
		"Vũ", "Hào", "Hải", "Dương", "Đức", "Hậu", "Khải", "Luân", "Thiện", "Thái",
		"Vĩ", "Hiển", "Chí", "Danh", "Bách",
	}
	femaleGivenOld = []string{
		"Lan", "Hương", "Hoa", "Hà", "Hằng", "Hạnh", "Hiền", "Hồng", "Huệ", "Hường",
		"Liên", "Loan", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Thảo", "Thơm",
		"Thủy", "Thúy", "Thu", "Trang", "Tuyết", "Vân", "Xuân", "Yến", "Bình", "Cúc",
		"Dung", "Đào", "Giang", "Hải", "Hậu", "Hòa", "Huyền", "Lệ", "Liễu", "Lý",
		"Mận", "Minh", "Mơ", "Nguyệt", "Nhàn", "Phượng", "Quyên", "Sen", "Tâm", "Thanh",
		"Thắm", "Thoa", "Tình", "Trinh", "Uyên", "Vui", "Duyên", "Điệp", "Gấm", "Hợi",
	}
	femaleGivenNew = []string{
		"Anh", "Linh", "Ngọc", "Trang", "Hà", "Thảo", "Vy", "Chi", "My", "Nhi",
		"Hân", "Ngân", "Quỳnh", "Trâm", "Uyên", "Vân", "An", "Hương", "Huyền", "Giang",
		"Khánh", "Mai", "Nhung", "Phương", "Thư", "Tiên", "Trinh", "Yến", "Diệp", "Hạnh",
		"Hiền", "Lam", "Ly", "Nga", "Như", "Oanh", "Tâm", "Thanh", "Thùy", "Thủy",
		"Thy", "Trúc", "Tú", "Tuyết", "Hằng", "Dung", "Duyên", "Loan", "Ánh", "Châu",
		"Diễm", "Hoa", "Lan", "Mỹ", "Nhàn",
	}
)

// H'Mông names follow their own pattern ("Giàng A Páo", "Vàng Thị Mỷ").
var (
	hmongMaleMiddle = []entry{{"A", 60}, {"Seo", 20}, {"Văn", 20}}
	hmongMaleGiven  = []string{"Páo", "Chứ", "Sử", "Dính", "Lử", "Chá", "Pó", "Tủa", "Vảng", "Chồ", "Tếnh", "Dế", "Sính", "Lềnh"}
	hmongFemGiven   = []string{"Mỷ", "Dợ", "Pà", "Chờ", "Mai", "Dung", "Súa", "Say", "Sua", "Mý", "Dê", "Mẩy", "Sinh", "Chía"}
)

// hmongCode is the refdata code of the H'Mông group.
const hmongCode = "08"
