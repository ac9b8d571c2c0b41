#!/usr/bin/env bash
# Proves .ci/tracked-files.sh on a throwaway repository: it passes a clean
# one, fails naming each executable, NUL-byte or over-1-MiB file once it is
# staged, passes it once .ci/large-files-allowed gives a reason, and fails
# on an allow-list line without a reason or without its file, and on a
# command whose build output is not ignored.
set -euo pipefail
script="$(cd "$(dirname "$0")" && pwd)/tracked-files.sh"
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
cd "$repo"
git init -q
mkdir -p .ci cmd/app
cp "$script" .ci/tracked-files.sh
echo 'package main' >cmd/app/main.go
printf '/app\n' >.gitignore
printf 'app\n' >.dockerignore
git add -A

failures=0
# expect passes|fails WHY [TEXT]: run the check; on failure it must print TEXT.
expect() {
	local want=$1 why=$2 text=${3:-} out status=0
	out=$(.ci/tracked-files.sh 2>&1) || status=$?
	if [ "$want" = passes ] && [ "$status" -ne 0 ]; then
		echo "FAIL: $why: want the check to pass, it failed:"
		echo "$out"
		failures=$((failures + 1))
	elif [ "$want" = fails ] && { [ "$status" -eq 0 ] || ! grep -qF -- "$text" <<<"$out"; }; then
		echo "FAIL: $why: want the check to fail naming '$text', got (exit $status):"
		echo "$out"
		failures=$((failures + 1))
	fi
}

expect passes "a repository of sources"

# A tiny ELF header, as `go build` would start one.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000' >tool
git add tool
expect fails "a staged ELF executable" "tool is an ELF executable"
printf 'MZ\220\000\003\000' >tool.exe
git add -f tool.exe
expect fails "a staged Windows executable" "tool.exe is a Windows (PE) executable"
git rm -q --cached tool tool.exe

# A NUL far past the first 8000 bytes, where git's own binary test stops.
{ head -c 10000 /dev/zero | tr '\0' 'a'; printf '\000'; } >late-nul.txt
git add late-nul.txt
expect fails "a NUL byte at 10000" "late-nul.txt has NUL bytes"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >big.txt
git add big.txt
expect fails "a 2 MiB text file" "big.txt is 2.0 MiB, over 1 MiB"
expect fails "a 2 MiB text file" "late-nul.txt has NUL bytes"

cat >.ci/large-files-allowed <<'EOF'
# Files that must be tracked though binary or large, with why.
late-nul.txt  # the parser's NUL handling is tested on it
big.txt # the importer's size limit is tested on it
EOF
git add .ci/large-files-allowed
expect passes "both files allow-listed with reasons"

git add -f tool
expect fails "an executable beside allow-listed files" "tool is an ELF executable"
echo 'tool' >>.ci/large-files-allowed
expect fails "an allow-list line without a reason" "line 4: 'tool' has no reason"
git rm -q --cached tool
sed -i '$d' .ci/large-files-allowed

git rm -q --cached big.txt
expect fails "an allow-list line whose file is gone" "lists big.txt, which git does not track"
git add big.txt
expect passes "the allow-list true again"

mkdir -p cmd/worker
echo 'package main' >cmd/worker/main.go
expect fails "a new command's output not ignored" "./worker, the output of 'go build ./cmd/worker', is not in .gitignore"
expect fails "a new command's output not ignored" "is not in .dockerignore: add the line worker"
printf '/worker\n' >>.gitignore
printf 'worker\n' >>.dockerignore
expect passes "the new command's output ignored"

if [ "$failures" -gt 0 ]; then
	echo "tracked-files_test: $failures failed"
	exit 1
fi
echo "tracked-files_test: ok"
