package synth

// weighted draws an index with probability proportional to its weight in
// O(log n): the cumulative weights are precomputed as 32-bit fixed-point
// thresholds, so a draw is one random number and a binary search.
type weighted struct {
	cum []uint64 // cum[i] = (w[0]+…+w[i]) / total · 2³²; the last is exactly 2³²
}

// newWeighted builds a table from non-negative weights with a positive
// sum. Entries of weight zero are never drawn.
func newWeighted(w []float64) weighted {
	total := 0.0
	for _, x := range w {
		if x < 0 {
			panic("synth: negative weight") // tables are compiled in: a bug, not input
		}
		total += x
	}
	if total <= 0 {
		panic("synth: weights sum to zero")
	}
	t := weighted{cum: make([]uint64, len(w))}
	acc := 0.0
	for i, x := range w {
		acc += x
		t.cum[i] = uint64(acc / total * (1 << 32))
	}
	// Rounding must not leave the top of the range unreachable, nor let a
	// zero-weight tail entry absorb it.
	last := len(w) - 1
	for last > 0 && w[last] == 0 {
		last--
	}
	for i := last; i < len(w); i++ {
		t.cum[i] = 1 << 32
	}
	return t
}

// pick draws an index.
func (t *weighted) pick(r *rng) int {
	u := uint64(r.u32())
	lo, hi := 0, len(t.cum)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if u < t.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// names is a list of names with a draw table.
type names struct {
	list []string
	w    weighted
}

// entry is a name with an explicit relative weight.
type entry struct {
	name   string
	weight float64
}

// newNames builds a table from explicit weights.
func newNames(es []entry) *names {
	n := &names{list: make([]string, len(es))}
	w := make([]float64, len(es))
	for i, e := range es {
		n.list[i] = e.name
		w[i] = e.weight
	}
	n.w = newWeighted(w)
	return n
}

// newRanked builds a table from a list ordered by popularity, weighting
// the i-th name 1/(i+k): a Zipf-like tail without hand-tuning every name.
func newRanked(list []string, k float64) *names {
	es := make([]entry, len(list))
	for i, s := range list {
		es[i] = entry{s, 1 / (float64(i) + k)}
	}
	return newNames(es)
}

// pick draws a name.
func (n *names) pick(r *rng) string { return n.list[n.w.pick(r)] }

// bands draws an integer uniformly within a band picked by weight, e.g.
// an age: {20, 24, 3} means ages 20–24 together have weight 3.
type bands struct {
	lo, hi []int
	w      weighted
}

// band is one range of a bands table.
type band struct {
	lo, hi int
	weight float64
}

// newBands builds a bands table.
func newBands(bs ...band) *bands {
	t := &bands{lo: make([]int, len(bs)), hi: make([]int, len(bs))}
	w := make([]float64, len(bs))
	for i, b := range bs {
		t.lo[i], t.hi[i], w[i] = b.lo, b.hi, b.weight
	}
	t.w = newWeighted(w)
	return t
}

// pick draws a value.
func (t *bands) pick(r *rng) int {
	i := t.w.pick(r)
	return r.between(t.lo[i], t.hi[i])
}
