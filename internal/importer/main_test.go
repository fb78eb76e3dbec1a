package importer

import (
	"os"
	"testing"

	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
