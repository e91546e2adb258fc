package ipopt_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxStartupHeap is what importing the library packages may
// add to the heap at start-up: their error kinds live in static tables,
// not in preallocated errors on the heap.
const maxStartupHeap = 128 << 10

// TestStartupHeap builds testdata/startheap twice, importing nothing of
// this module and importing the library packages (ipopt, ipopt/ipv6,
// ipopt/rfc1108, cipso, calipso, fips188, fips188/dsm), and compares the heap each has
// in use after start-up (the median of five runs).
func TestStartupHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	dir := t.TempDir()
	heap := func(tags ...string) int {
		bin := filepath.Join(dir, "startheap"+strings.Join(tags, ""))
		args := append([]string{"build", "-o", bin}, tags...)
		out, err := exec.Command(goTool, append(args, "./testdata/startheap")...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var runs []int
		for range 5 {
			out, err := exec.Command(bin).Output()
			require.NoError(t, err)
			n, err := strconv.Atoi(strings.TrimSpace(string(out)))
			require.NoError(t, err)
			runs = append(runs, n)
		}
		slices.Sort(runs)
		return runs[len(runs)/2]
	}
	bare, libs := heap(), heap("-tags=libs")
	t.Logf("start-up heap: %d bytes bare, %d with the libraries: %d bytes (%.1f KiB) for the libraries",
		bare, libs, libs-bare, float64(libs-bare)/1024)
	require.LessOrEqual(t, libs-bare, maxStartupHeap, "importing the libraries costs more than 128 KiB of heap")
}
