#!/bin/sh
# check-generated.sh: checks that the committed bpf2go output (dsmd_bpfel.o,
# dsmd_bpfel.go) is what `go generate ./bpf` makes of c/dsmd.c now.
# Without clang it says so in one line and succeeds: the committed objects
# are then used as they are.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v clang >/dev/null 2>&1; then
	echo "check-generated.sh: clang not installed, the committed eBPF objects are not checked"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# The command of gen.go's go:generate line, with its output sent to $tmp.
cmd=$(sed -n 's|^//go:generate ||p' "$here/gen.go" | sed "s|bpf2go |bpf2go -output-dir $tmp |")
cd "$here"
if ! eval "$cmd" >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	echo "check-generated.sh: regenerating the eBPF objects failed ($(clang --version | head -n 1))" >&2
	exit 1
fi
stale=
for f in dsmd_bpfel.o dsmd_bpfel.go; do
	cmp -s "$tmp/$f" "$here/$f" || stale="$stale $f"
done
if [ -n "$stale" ]; then
	echo "check-generated.sh: examples/dsmd/bpf:$stale differ from what c/dsmd.c gives now ($(clang --version | head -n 1)); run 'go generate ./bpf' in examples/dsmd and commit" >&2
	exit 1
fi
echo "check-generated.sh: the committed eBPF objects are current"
