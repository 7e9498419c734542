#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds the addon with the CUDA backend (HJNET_CUDA=ON, machine
# code for Hopper, sm_90, and for the GPU found), runs the GPU tests (the CUDA code against the
# CPU engine, and the library through the GPU) and a short benchmark (bench/gpu.ts), and prints a
# summary. Meant to take under 5 minutes on a 16-core machine; each step has a time limit.
# Needs what npm ci needs, done (node_modules), and nvcc. Exit 0 when every step passed.
# Without a GPU it stops at once: exit 1 and one line saying why.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

fail() {
  echo "gpu-check: $*" >&2
  exit 1
}

command -v nvidia-smi >/dev/null 2>&1 || fail "no NVIDIA GPU here: nvidia-smi is not installed (no NVIDIA driver)"
# nvidia-smi prints why it failed (no driver loaded, no device) on stdout, with a non-zero exit.
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>&1)
smi=$?
gpu=${gpu%%$'\n'*}
if [ "$smi" -ne 0 ] || [ -z "$gpu" ]; then
  fail "no NVIDIA GPU here: nvidia-smi lists none (${gpu:-it printed nothing})"
fi
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$nvcc" ] || fail "no CUDA compiler: put nvcc on PATH or set CUDACXX"
if [ ! -x node_modules/.bin/cmake-js ] || [ ! -x node_modules/.bin/tap ]; then
  fail "node_modules is missing: run npm ci first"
fi

# sm_90 (machine code and PTX), plus this GPU's own machine code when it is not a Hopper.
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')
archs=90
[[ "$cc" =~ ^[0-9]+$ ]] && [ "$cc" != 90 ] && archs="90;${cc}-real"

logs=$(mktemp -d "${TMPDIR:-/tmp}/hjnet-gpu-check.XXXXXX")
start=$SECONDS
declare -a summary
status=0
# step NAME SECONDS COMMAND...: runs COMMAND under a time limit, its output in $logs/NAME.log.
step() {
  local name=$1 limit=$2 t0=$SECONDS rc
  shift 2
  timeout "$limit" "$@" >"$logs/$name.log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    summary+=("ok    $name ($((SECONDS - t0)) s)")
  else
    if [ "$rc" -eq 124 ]; then rc="timed out after $limit s"; else rc="exit $rc"; fi
    summary+=("FAIL  $name ($rc; log $logs/$name.log)")
    status=1
  fi
  return 0
}

echo "gpu-check: $gpu (compute capability ${cc:-unknown}); CUDA architectures $archs; logs in $logs"
step build 240 env HJNET_CUDA=ON CUDAARCHS="$archs" CUDACXX="$nvcc" npm run --silent build
if [ "$status" -ne 0 ]; then
  tail -n 25 "$logs/build.log" >&2
  fail "the CUDA build failed (log: $logs/build.log)"
fi
device=$(HJNET_DEVICE=cuda node -e 'try { console.log(require("./build/Release/hjnet.node").device()) } catch (e) { console.log(e.message); process.exit(1) }') ||
  fail "the CUDA build sees no usable device: $device"

# The CUDA code against the CPU engine, larger shapes than the host emulation in npm test.
step build-checks 180 cmake --build build --target hjnet_cuda_check
step device-check 120 build/check/hjnet_cuda_check --big
# The addon's CUDA pass against its CPU pass at the SPEC tolerances, HJNET_DEVICE handling.
step cuda-tests 180 env HJNET_DEVICE=cuda node_modules/.bin/tap test/engine/cuda.test.ts
# The library and the service with the GPU in use (auto): references, exact evaluation, HTTP.
step gpu-library-tests 180 node_modules/.bin/tap test/engine/binding.test.ts test/engine/model.test.ts \
  test/engine/exact.test.ts test/service/compute.test.ts test/service/system.test.ts
step bench 150 node dist/bench/gpu.js

echo
echo "== gpu-check: $device, $(( SECONDS - start )) s =="
printf '%s\n' "${summary[@]}"
grep -h -E '^(gibbs:|train:)' "$logs/device-check.log" 2>/dev/null | sed 's/^/      device-check /'
echo
[ -s "$logs/bench.log" ] && cat "$logs/bench.log"
exit "$status"
