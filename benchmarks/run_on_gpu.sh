#!/usr/bin/env bash
# Everything issue 4 asks of a GPU, in one run: compile, kernel tests, the demo, the GPU
# benchmark, graph replay (issue 11) and the conformance suite. Run it on a lent GPU machine
# through the shared runner, from the repository root (see docs/cuda-backend.md, "On a GPU"):
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
# The limits add up to 540 s, under the device tool's 600 s per call; the steps whose numbers
# matter most run first, the long conformance suite last.
step compile 90 python3 -m microtorch_cuda compile
step kernels 90 python3 -m pytest -q -p no:cacheprovider backends/microtorch_cuda/tests/test_cuda_kernels.py -k gpu
step demo 30 python3 demo.py --device cuda
step bench 120 python3 benchmarks/bench_cuda.py
# issue 11: captured steps replayed on the GPU, bitwise equal to 20 eager steps
step graphs 45 python3 -m pytest -q -p no:cacheprovider --pyargs microtorch_core.testing.test_conformance_graphs --backend cuda
step conformance 165 python3 -m pytest -q -p no:cacheprovider -x --pyargs microtorch_core.testing --backend cuda
echo "failed steps: ${failed[*]:-none}"
[ ${#failed[@]} -eq 0 ]
