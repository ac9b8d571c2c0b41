package main

import "runtime/debug"

// The collector's defaults for this process, unless GOGC or GOMEMLIMIT
// say otherwise.
//
// The portal keeps about 6 MB live (templates, the pages rendered at
// start, connection pools). At Go's default GOGC=100, every 6 MB allocated
// means another scan of all of it, and serving the article under load
// spent a fifth of its instructions in the collector. At 400 it runs a
// quarter as often. The soft limit bounds what that costs: as the memory
// the runtime holds nears it, the collector runs sooner, so the heap does
// not grow with the load.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 36 << 20
)

// tuneGC applies the defaults above where the environment sets nothing;
// the Go runtime has already read GOGC and GOMEMLIMIT where it does.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
