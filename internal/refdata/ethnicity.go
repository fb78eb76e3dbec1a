// Package refdata holds the national reference tables the register codes
// against: ethnic groups and religions. The tables are small, fixed by
// decision of the state, and compiled in so that validation never needs a
// database round trip.
package refdata

// Ethnicity is one of the 54 ethnic groups (dân tộc) officially recognised
// in Vietnam.
type Ethnicity struct {
	Code  string  // two digits, "01".."54", from Decision 121-TCTK/PPCĐ (1979)
	Name  string  // NFC, "Kinh"
	Share float64 // approximate share of the population at the 2019 census
}

// ethnicityRow pairs a group with its 2019 census head count, from which
// Share is derived so that the shares sum to exactly 1.
type ethnicityRow struct {
	code, name string
	pop2019    int
}

// ethnicityRows is the list of Decision 121-TCTK/PPCĐ of 2 March 1979, in
// code order. That decision ordered the groups by size at the time, which is
// why the codes no longer follow today's population ranking. It is the
// coding the population register and most civil-status software use; the
// statistics office's later Decision 1019/QĐ-TCTK (2008) numbers the groups
// differently (e.g. 04 Mường, 06 Hoa) and must not be mixed with it.
//
// Head counts are those of the 2019 Population and Housing Census
// (1 April 2019); the smallest groups are rounded figures from the census
// tables and only feed the synthetic generator.
var ethnicityRows = []ethnicityRow{
	{"01", "Kinh", 82_085_826},
	{"02", "Tày", 1_845_492},
	{"03", "Thái", 1_820_950},
	{"04", "Hoa", 749_466},
	{"05", "Khơ-me", 1_319_652},
	{"06", "Mường", 1_452_095},
	{"07", "Nùng", 1_083_298},
	{"08", "HMông", 1_393_547},
	{"09", "Dao", 891_151},
	{"10", "Gia-rai", 513_930},
	{"11", "Ngái", 1_649},
	{"12", "Ê-đê", 398_671},
	{"13", "Ba-na", 286_910},
	{"14", "Xơ-đăng", 212_277},
	{"15", "Sán Chay", 201_398},
	{"16", "Cơ-ho", 200_800},
	{"17", "Chăm", 178_948},
	{"18", "Sán Dìu", 183_004},
	{"19", "Hrê", 149_460},
	{"20", "Mnông", 127_334},
	{"21", "Ra-glai", 146_613},
	{"22", "Xtiêng", 100_752},
	{"23", "Bru-Vân Kiều", 94_598},
	{"24", "Thổ", 91_430},
	{"25", "Giáy", 67_858},
	{"26", "Cơ-tu", 74_173},
	{"27", "Gié-Triêng", 63_322},
	{"28", "Mạ", 50_322},
	{"29", "Khơ-mú", 90_612},
	{"30", "Co", 40_442},
	{"31", "Tà-ôi", 52_356},
	{"32", "Chơ-ro", 29_520},
	{"33", "Kháng", 16_180},
	{"34", "Xinh-mun", 29_503},
	{"35", "Hà Nhì", 25_539},
	{"36", "Chu-ru", 23_242},
	{"37", "Lào", 17_532},
	{"38", "La Chí", 15_126},
	{"39", "La Ha", 10_157},
	{"40", "Phù Lá", 12_471},
	{"41", "La Hủ", 12_113},
	{"42", "Lự", 6_757},
	{"43", "Lô Lô", 4_827},
	{"44", "Chứt", 7_513},
	{"45", "Mảng", 4_650},
	{"46", "Pà Thẻn", 8_248},
	{"47", "Cờ Lao", 4_003},
	{"48", "Cống", 2_729},
	{"49", "Bố Y", 3_232},
	{"50", "Si La", 909},
	{"51", "Pu Péo", 903},
	{"52", "Brâu", 525},
	{"53", "Ơ Đu", 428},
	{"54", "Rơ-măm", 639},
}

// Kinh is the code of the Kinh majority, the default for new records.
const Kinh = "01"

var (
	ethnicities     []Ethnicity
	ethnicityByCode map[string]int
)

func init() {
	total := 0
	for _, r := range ethnicityRows {
		total += r.pop2019
	}
	ethnicities = make([]Ethnicity, len(ethnicityRows))
	ethnicityByCode = make(map[string]int, len(ethnicityRows))
	for i, r := range ethnicityRows {
		ethnicities[i] = Ethnicity{Code: r.code, Name: r.name, Share: float64(r.pop2019) / float64(total)}
		ethnicityByCode[r.code] = i
	}
}

// Ethnicities returns the 54 groups in code order. The slice is a copy:
// callers may modify it.
func Ethnicities() []Ethnicity {
	out := make([]Ethnicity, len(ethnicities))
	copy(out, ethnicities)
	return out
}

// EthnicityByCode returns the group with the given two-digit code, and
// whether it exists.
func EthnicityByCode(code string) (Ethnicity, bool) {
	i, ok := ethnicityByCode[code]
	if !ok {
		return Ethnicity{}, false
	}
	return ethnicities[i], true
}
