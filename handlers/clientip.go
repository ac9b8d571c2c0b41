package handlers

import (
	"net"

	"github.com/labstack/echo/v4"
)

// clientIP picks the client's address for throttling: the connection's
// peer, unless it is one of the trusted proxies, in which case the
// right-most untrusted address of X-Forwarded-For. A client can't forge it
// by sending its own header.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
