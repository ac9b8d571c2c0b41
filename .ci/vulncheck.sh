#!/usr/bin/env bash
# govulncheck over the whole module, failing on any reachable vulnerability
# that .ci/vulncheck-accepted does not list with its reason.
#
# Our machines reach the Go module proxy but not vuln.go.dev, so the
# database is built here from the newest golang.org/x/vulndb module (the
# proxy serves it, with every advisory as OSV JSON) using that module's own
# indexdb command, and cached under .cache/vulndb/<version>.
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0
version=$(go list -m -f '{{.Version}}' golang.org/x/vulndb@latest)
db=".cache/vulndb/$version"
if [ ! -f "$db/index/db.json" ]; then
	echo "vulncheck: building the vulnerability database from golang.org/x/vulndb@$version"
	src=$(go mod download -json "golang.org/x/vulndb@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	rm -rf "$db.tmp"
	go run "golang.org/x/vulndb/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi

# Installed rather than run with `go run`, which would hide its exit code.
GOBIN="$PWD/.cache/bin" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
echo "vulncheck: $(go version | cut -d' ' -f3), database golang.org/x/vulndb@$version"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
.cache/bin/govulncheck -db "file://$PWD/$db" ./... >"$out" 2>&1 || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
	cat "$out"
	echo "vulncheck: govulncheck failed to run (exit $status)"
	exit "$status"
fi

# The advisories govulncheck says our code reaches.
found=$(sed -n 's/^Vulnerability #[0-9]*: \(GO-[0-9]*-[0-9]*\)$/\1/p' "$out" | sort -u)
unaccepted=()
for id in $found; do
	reason=$(sed -n "s/^$id[[:space:]]\{1,\}//p" .ci/vulncheck-accepted)
	if [ -z "$reason" ]; then
		unaccepted+=("$id")
	else
		echo "vulncheck: $id accepted: $reason"
	fi
done
if [ ${#unaccepted[@]} -gt 0 ]; then
	cat "$out"
	echo "vulncheck: reachable and not accepted: ${unaccepted[*]}"
	exit 1
fi

# An accepted advisory stays accepted only while its reason holds.
if grep -rn --include='*.go' -e 'middleware\.Proxy' -e 'middleware\.RateLimiter(' -e 'middleware\.RateLimiterWithConfig(' . >/dev/null; then
	echo "vulncheck: the code now uses an Echo middleware an accepted advisory is about; review .ci/vulncheck-accepted"
	exit 1
fi
echo "vulncheck: no reachable vulnerabilities beyond the accepted ones"
