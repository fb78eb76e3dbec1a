package idnum

// Province is a row of the code table in Appendix I of Circular
// 07/2016/TT-BCA (carried over by Circular 59/2021/TT-BCA): the province or
// centrally run city where a birth was registered.
type Province struct {
	Code string // three ASCII digits, "001"
	Name string // NFC, as the circular spells it, "Hà Nội"
}

// provinces is the table in code order. The codes are not contiguous: the
// gaps are codes of provinces that were split or merged before 2016 and
// are never reused, so a number carrying one of them is not genuine.
//
// Decree 137/2015 also speaks of a "country code" for births registered
// abroad, but no such code table has been published with the circulars, so
// none is invented here. Numbers issued before the 2025 province mergers
// keep their old code for life, which is why the 63 pre-merger provinces
// stay valid.
var provinces = []Province{
	{"001", "Hà Nội"},
	{"002", "Hà Giang"},
	{"004", "Cao Bằng"},
	{"006", "Bắc Kạn"},
	{"008", "Tuyên Quang"},
	{"010", "Lào Cai"},
	{"011", "Điện Biên"},
	{"012", "Lai Châu"},
	{"014", "Sơn La"},
	{"015", "Yên Bái"},
	{"017", "Hòa Bình"},
	{"019", "Thái Nguyên"},
	{"020", "Lạng Sơn"},
	{"022", "Quảng Ninh"},
	{"024", "Bắc Giang"},
	{"025", "Phú Thọ"},
	{"026", "Vĩnh Phúc"},
	{"027", "Bắc Ninh"},
	{"030", "Hải Dương"},
	{"031", "Hải Phòng"},
	{"033", "Hưng Yên"},
	{"034", "Thái Bình"},
	{"035", "Hà Nam"},
	{"036", "Nam Định"},
	{"037", "Ninh Bình"},
	{"038", "Thanh Hóa"},
	{"040", "Nghệ An"},
	{"042", "Hà Tĩnh"},
	{"044", "Quảng Bình"},
	{"045", "Quảng Trị"},
	{"046", "Thừa Thiên Huế"},
	{"048", "Đà Nẵng"},
	{"049", "Quảng Nam"},
	{"051", "Quảng Ngãi"},
	{"052", "Bình Định"},
	{"054", "Phú Yên"},
	{"056", "Khánh Hòa"},
	{"058", "Ninh Thuận"},
	{"060", "Bình Thuận"},
	{"062", "Kon Tum"},
	{"064", "Gia Lai"},
	{"066", "Đắk Lắk"},
	{"067", "Đắk Nông"},
	{"068", "Lâm Đồng"},
	{"070", "Bình Phước"},
	{"072", "Tây Ninh"},
	{"074", "Bình Dương"},
	{"075", "Đồng Nai"},
	{"077", "Bà Rịa - Vũng Tàu"},
	{"079", "Hồ Chí Minh"},
	{"080", "Long An"},
	{"082", "Tiền Giang"},
	{"083", "Bến Tre"},
	{"084", "Trà Vinh"},
	{"086", "Vĩnh Long"},
	{"087", "Đồng Tháp"},
	{"089", "An Giang"},
	{"091", "Kiên Giang"},
	{"092", "Cần Thơ"},
	{"093", "Hậu Giang"},
	{"094", "Sóc Trăng"},
	{"095", "Bạc Liêu"},
	{"096", "Cà Mau"},
}

// byCode indexes provinces by the numeric value of the code; a fixed array
// keeps Parse free of map lookups and allocations.
var byCode [1000]int16

func init() {
	for i := range byCode {
		byCode[i] = -1
	}
	for i, p := range provinces {
		byCode[atoi3(p.Code)] = int16(i)
	}
}

// atoi3 converts three ASCII digits; callers have checked them.
func atoi3(s string) int {
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
}

// lookup returns the table index of a three-digit code, or -1.
func lookup(code string) int {
	if len(code) != 3 || !digits(code) {
		return -1
	}
	return int(byCode[atoi3(code)])
}

// Provinces returns the 63 province codes with their names, in code order.
// The slice is a copy: callers may modify it.
func Provinces() []Province {
	out := make([]Province, len(provinces))
	copy(out, provinces)
	return out
}

// ProvinceName returns the name of the province with the given
// three-digit code, and whether the code is known.
func ProvinceName(code string) (string, bool) {
	i := lookup(code)
	if i < 0 {
		return "", false
	}
	return provinces[i].Name, true
}
