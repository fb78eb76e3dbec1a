package refdata

// Religion is a religion recognised by the state (or "none"). Codes are
// dancu's own stable lowercase ASCII identifiers: the statistics office's
// numeric religion codes predate several recognitions and do not cover
// all sixteen religions.
type Religion struct {
	Code  string  // lowercase ASCII, "buddhism"
	Name  string  // NFC, as the Government Committee for Religious Affairs writes it
	Share float64 // approximate share of the population, for the synthetic generator
}

// NoReligion is the code of "no religion" (không), the default for new records.
const NoReligion = "none"

// religions lists "none" first and then the sixteen religions with
// organisations recognised or registered by the state (Government
// Committee for Religious Affairs, 2020–2025 lists), in that committee's
// customary order.
//
// Shares follow the 2019 census press release: 13.7 % of people declared a
// religion, Catholicism 6.1 %, Buddhism 4.8 %, with Hòa Hảo Buddhism,
// Protestantism and Cao Đài at about 1 % or less. The small religions are
// order-of-magnitude estimates only. The share of "none" is whatever is
// left, so the column sums to 1.
var religions = []Religion{
	{NoReligion, "Không", 0},
	{"buddhism", "Phật giáo", 0.0479},
	{"catholicism", "Công giáo", 0.0610},
	{"protestantism", "Tin lành", 0.0100},
	{"caodaism", "Cao Đài", 0.0058},
	{"hoa_hao_buddhism", "Phật giáo Hòa Hảo", 0.0102},
	{"islam", "Hồi giáo", 0.00074},
	{"bahai", "Baha'i", 0.00005},
	{"tinh_do_cu_si", "Tịnh độ Cư sĩ Phật hội Việt Nam", 0.0006},
	{"tu_an_hieu_nghia", "Tứ Ân Hiếu Nghĩa", 0.0007},
	{"buu_son_ky_huong", "Bửu Sơn Kỳ Hương", 0.00015},
	{"minh_su_dao", "Minh Sư Đạo", 0.00001},
	{"minh_ly_dao", "Minh Lý Đạo", 0.00001},
	{"brahmanism", "Bà-la-môn", 0.0006},
	{"mormonism", "Mặc môn", 0.00001},
	{"hieu_nghia_ta_lon", "Phật giáo Hiếu Nghĩa Tà Lơn", 0.00005},
	{"adventism", "Cơ đốc Phục lâm", 0.0001},
}

var religionByCode map[string]int

func init() {
	rest := 1.0
	religionByCode = make(map[string]int, len(religions))
	for i, r := range religions {
		religionByCode[r.Code] = i
		if r.Code != NoReligion {
			rest -= r.Share
		}
	}
	religions[religionByCode[NoReligion]].Share = rest
}

// Religions returns "none" and the recognised religions. The slice is a
// copy: callers may modify it.
func Religions() []Religion {
	out := make([]Religion, len(religions))
	copy(out, religions)
	return out
}

// ReligionByCode returns the religion with the given code, and whether it
// exists.
func ReligionByCode(code string) (Religion, bool) {
	i, ok := religionByCode[code]
	if !ok {
		return Religion{}, false
	}
	return religions[i], true
}
