package main

// The rules that decide a row's "met". Each is a pure function of the
// figures, so that a unit test can show it says "no" when it should.

// atLeast reports whether portal is at least least × reference: a
// throughput target. A reference that measured nothing meets nothing.
func atLeast(portal, reference, least float64) bool {
	return reference > 0 && portal >= least*reference
}

// atMost reports whether portal is at most most × reference: a latency
// target. Either side measuring nothing meets nothing.
func atMost(portal, reference, most float64) bool {
	return reference > 0 && portal > 0 && portal <= most*reference
}

// under reports whether a measured figure is below limit: a time, a size.
// A figure of zero was not measured, and meets nothing.
func under(figure, limit float64) bool {
	return figure > 0 && figure < limit
}

// bounded reports whether memory after a second, equal load stays within
// slack × what it was after the first: memory that keeps growing under
// the same load is not bounded. Nothing measured meets nothing.
func bounded(first, second int64, slack float64) bool {
	return first > 0 && second > 0 && float64(second) <= slack*float64(first)
}

// allAtLeast reports whether every category scored at least least; a
// category without a score fails.
func allAtLeast(scores map[string]int, categories []string, least int) bool {
	for _, c := range categories {
		if s, ok := scores[c]; !ok || s < least {
			return false
		}
	}
	return len(categories) > 0
}
