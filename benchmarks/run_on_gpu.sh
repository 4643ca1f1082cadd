#!/usr/bin/env bash
# Everything issue 4 asks of a GPU, in one run: compile, kernel tests, the conformance suite,
# the demo and the GPU benchmark. Run it on a lent GPU machine through the shared runner, from
# the repository root (see docs/cuda-backend.md, "On a GPU"):
#     bash .gpu/gpu-run.sh "bash benchmarks/run_on_gpu.sh"
# Each step has its own time limit, so a hang cannot use up the machine; every step runs even
# if an earlier one failed. Logs go to $OUT (or /tmp/out), one file per step.
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"
failed=()
step() {
    local name=$1 limit=$2; shift 2
    echo "=== $name (limit ${limit}s): $*"
    local start=$SECONDS
    timeout "$limit" "$@" 2>&1 | tee "$out/$name.log"
    local rc=${PIPESTATUS[0]}
    echo "=== $name: exit $rc after $((SECONDS - start))s"
    [ "$rc" -eq 0 ] || failed+=("$name")
}
step compile 120 python3 -m microtorch_cuda compile
step kernels 180 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kernels.py -k gpu
step conformance 300 python3 -m pytest -q -p no:cacheprovider --pyargs microtorch_core.testing --backend cuda
step demo 60 python3 demo.py --device cuda
step bench 180 python3 benchmarks/bench_cuda.py
echo "failed steps: ${failed[*]:-none}"
[ ${#failed[@]} -eq 0 ]
