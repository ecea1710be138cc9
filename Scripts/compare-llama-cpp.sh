#!/usr/bin/env bash
# Measures the CPU engine against llama.cpp on the same model file and thread count, one after the
# other: llama.cpp's llama-bench (pp512, tg128) and llama-batched-bench (128 prompt + 128 generated
# tokens per sequence, 1 to 256 sequences), then `blendserve bench --suite cpu`.
# llama.cpp comes from the source distribution of llama-cpp-python 0.3.36 on PyPI (sha256-checked),
# which vendors it; it is built in the work folder, outside the repository, and nothing of it is kept
# in the repository. Needs python3 with pip, cmake and a C++ compiler (about 7 minutes on 2 cores).
# Usage: Scripts/compare-llama-cpp.sh [work-folder]   (default: /tmp/blendserve-llama.cpp)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/blendserve-llama.cpp}"
threads="${THREADS:-$(nproc)}"
sdist="llama_cpp_python-0.3.36.tar.gz"
sdist_sha="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
model="$root/Models/SmolLM2-135M-Instruct.Q4_1.gguf"

command -v cmake >/dev/null || { echo "error: cmake is needed to build llama.cpp (apt-get install cmake)" >&2; exit 1; }
"$root/Scripts/fetch-model.sh"
mkdir -p "$work"
if [[ ! -x "$work/llama.cpp/build/bin/llama-batched-bench" ]]; then
    python3 -m pip download --quiet --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d "$work"
    echo "$sdist_sha  $work/$sdist" | sha256sum -c --status \
        || { echo "error: $sdist does not have the expected sha256 $sdist_sha" >&2; exit 1; }
    tar -xzf "$work/$sdist" -C "$work"
    rm -rf "$work/llama.cpp"
    mv "$work/llama_cpp_python-0.3.36/vendor/llama.cpp" "$work/llama.cpp"
    cmake -S "$work/llama.cpp" -B "$work/llama.cpp/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DLLAMA_CURL=OFF -DGGML_OPENMP=OFF >/dev/null
    cmake --build "$work/llama.cpp/build" -j"$threads" --target llama-bench llama-batched-bench >/dev/null
fi
bin="$work/llama.cpp/build/bin"
echo "== llama.cpp llama-bench, $threads threads"
"$bin/llama-bench" -m "$model" -p 512 -n 128 -t "$threads"
echo "== llama.cpp llama-batched-bench, $threads threads"
"$bin/llama-batched-bench" -m "$model" -c 70000 -b 2048 -ub 512 -npp 128 -ntg 128 -npl 1,8,32,64,128,256 \
    -t "$threads" 2>/dev/null | grep -E '^\|'
echo "== blendserve bench --suite cpu, $threads threads"
cd "$root"
swift build -c release --product blendserve >/dev/null
.build/release/blendserve bench --suite cpu --model "$model" --threads "$threads" --policies blendserve,fcfs
