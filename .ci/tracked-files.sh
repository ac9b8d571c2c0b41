#!/usr/bin/env bash
# Fails when git tracks what belongs outside the repository: an executable
# (ELF, Mach-O, PE), any other file with NUL bytes, or any file over 1 MiB,
# unless .ci/large-files-allowed names it with a reason. It reads the index,
# so a file counts as soon as it is `git add`ed. It also fails when the
# `go build` output of a command (./NAME for cmd/NAME) is not ignored by
# .gitignore and .dockerignore, which is how a binary gets committed and
# sent into every Docker build context.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=$((1024 * 1024))
allow_file=.ci/large-files-allowed
problems=()

# The allow-list: one path a line, its reason after a '#'.
declare -A allowed=()
if [ -f "$allow_file" ]; then
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		trimmed=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$line")
		[ -z "$trimmed" ] || [ "${trimmed:0:1}" = "#" ] && continue
		path=$(sed 's/[[:space:]]*$//' <<<"${trimmed%%#*}")
		reason=$(sed 's/^[[:space:]]*//' <<<"${trimmed#*#}")
		if [ "$path" = "$trimmed" ] || [ -z "$reason" ]; then
			problems+=("$allow_file line $n: '$path' has no reason; write it as 'PATH # why this file must be tracked'")
			continue
		fi
		allowed[$path]=1
	done <"$allow_file"
fi

# Every tracked blob's size, by object name, from one git process.
declare -A size_of=()
while read -r oid size; do
	size_of[$oid]=$size
done < <(git ls-files -s | awk '$1 != "160000" {print $2}' | git cat-file --batch-check='%(objectname) %(objectsize)')

# The tracked files with a NUL byte anywhere in their staged content.
declare -A has_nul=()
status=0
nul_files=$(git grep --cached -a -l -z -P '\x00' | tr '\0' '\n') || status=$?
if [ "$status" -gt 1 ]; then
	echo "tracked-files: git grep could not search for NUL bytes (exit $status)"
	exit "$status"
fi
while IFS= read -r path; do
	[ -n "$path" ] && has_nul[$path]=1
done <<<"$nul_files"

# kind OID: what the first bytes of a blob say it is, if an executable.
kind() {
	case $(git cat-file blob "$1" | head -c 4 | od -An -tx1 | tr -d ' \n') in
	7f454c46) echo "an ELF executable" ;;
	feedface | feedfacf | cefaedfe | cffaedfe) echo "a Mach-O executable" ;;
	cafebabe) echo "a Mach-O universal executable" ;;
	4d5a*) echo "a Windows (PE) executable" ;;
	*) echo "" ;;
	esac
}

human() { awk -v b="$1" 'BEGIN { if (b < 1048576) printf "%.0f KiB", b / 1024; else printf "%.1f MiB", b / 1048576 }'; }

declare -A tracked=()
while IFS= read -r -d '' record; do
	path=${record#*$'\t'}
	read -r mode oid _ <<<"${record%%$'\t'*}"
	tracked[$path]=1
	[ "$mode" = 160000 ] && continue
	size=${size_of[$oid]}
	[ -n "${has_nul[$path]:-}" ] || [ "$size" -gt "$limit" ] || continue
	[ -n "${allowed[$path]:-}" ] && continue
	what=$(kind "$oid")
	if [ -n "$what" ]; then
		problems+=("$path is $what ($(human "$size")): a build output; remove it with 'git rm --cached $path' and ignore it in .gitignore and .dockerignore")
	elif [ -n "${has_nul[$path]:-}" ]; then
		problems+=("$path has NUL bytes ($(human "$size")): if it is a build output, 'git rm --cached $path' and ignore it; if it is a fixture that must be binary, add it to $allow_file with the reason")
	else
		problems+=("$path is $(human "$size"), over 1 MiB: if it is generated, 'git rm --cached $path' and ignore it; if it is a fixture that must be this large, add it to $allow_file with the reason")
	fi
done < <(git ls-files -s -z)

# An allow-list line outlives its file only by mistake.
for path in "${!allowed[@]}"; do
	[ -n "${tracked[$path]:-}" ] ||
		problems+=("$allow_file lists $path, which git does not track: remove the line")
done

# `go build ./cmd/NAME` writes ./NAME: both ignore files must keep it out.
shopt -s nullglob
for dir in cmd/*/; do
	name=$(basename "$dir")
	git check-ignore -q --no-index "$name" ||
		problems+=("./$name, the output of 'go build ./cmd/$name', is not in .gitignore: add the line /$name")
	grep -qxE "/?$name" .dockerignore ||
		problems+=("./$name, the output of 'go build ./cmd/$name', is not in .dockerignore: add the line $name")
done

if [ ${#problems[@]} -gt 0 ]; then
	echo "tracked-files: the repository would carry files that do not belong in it:"
	printf '  %s\n' "${problems[@]}"
	exit 1
fi
