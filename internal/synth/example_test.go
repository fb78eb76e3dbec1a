package synth_test

import (
	"fmt"
	"log"

	"github.com/dancu-vn/dancu/internal/synth"
)

func ExampleNew() {
	g, err := synth.New(synth.Config{
		Communes:       []synth.Commune{{Code: "26734", Name: "Phường Bến Thành"}, {Code: "27637", Name: "Xã Bình Lợi"}},
		BirthProvinces: []string{"079", "080", "082"},
		People:         12,
		Seed:           2026,
		Today:          "2026-01-01",
	})
	if err != nil {
		log.Fatal(err)
	}
	for {
		h, ok := g.Next()
		if !ok {
			break
		}
		fmt.Printf("household %d, %s, %s\n", h.Key, h.CommuneCode, h.Address)
		for _, p := range h.Members {
			fmt.Printf("  %2d %-16s %-24s %-6s %-10s father %2d mother %2d spouse %2d\n",
				p.Key, p.RelationToHead, p.FullName, p.Gender, p.BirthDate, p.FatherKey, p.MotherKey, p.SpouseKey)
		}
	}
	// Output:
	// household 0, 26734, Số 180, Khu phố 3
	//    0 head             Lương Thị Tâm            female 1964-07-13 father -1 mother -1 spouse -1
	//    1 son              Nguyễn Minh Thành        male   1994-08-17 father -1 mother  0 spouse  2
	//    2 daughter_in_law  Huỳnh Tuệ Linh           female 1999-08-13 father -1 mother -1 spouse  1
	//    3 grandson         Nguyễn Hữu Huy           male   2017-03-27 father  1 mother  2 spouse -1
	// household 1, 26734, Số 48, hẻm 139, Khu phố 1
	//    4 head             Đặng Minh Nghĩa          male   1984-09-18 father -1 mother -1 spouse  5
	//    5 wife             Lê Thị Hiền              female 1987-08-17 father -1 mother -1 spouse  4
	//    6 daughter         Đặng Diệu Thu Thảo       female 2015-05-08 father  4 mother  5 spouse -1
	// household 2, 26734, Số 897, hẻm 42, Khu phố 1
	//    7 head             Nguyễn Văn Hải           male   1969-05-04 father -1 mother -1 spouse  8
	//    8 wife             Nguyễn Thị Hằng          female 1972-06-12 father -1 mother -1 spouse  7
	// household 3, 26734, Số 10, hẻm 295, Khu phố 6
	//    9 head             Phan Đức Tuấn            male   1975-08-28 father -1 mother -1 spouse 10
	//   10 wife             Hồ Thị Lệ                female 1981-10-17 father -1 mother -1 spouse  9
	//   11 daughter         Phan Khánh Nhi           female 2004-12-07 father  9 mother 10 spouse -1
}
