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
