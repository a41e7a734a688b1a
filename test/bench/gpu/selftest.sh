#!/usr/bin/env bash
# The GPU pack's check on a CPU-only machine: `bash test/bench/gpu/selftest.sh [PACK_DIR]` (default
# .gpu, built by `npm run bench:gpu-pack`). Copies the pack into a temporary folder, as the device
# tool does, and runs its run.sh as the GPU machine would, except that:
#   - PATH holds this machine's tools but no node/npm/npx (the GPU machine has no Node);
#   - Vulkan is SwiftShader (VK_ICD_FILENAMES), with the packed loader libraries forced in;
#   - only mlp_digits, 3 timed runs per side, MatMul at 64 and 96 (TENTH_GPU_QUICK=1).
# Then checks the files run.sh left in $OUT. A few minutes on the shared 2-core machines (most of
# it onnxruntime-web compiling its pipelines on SwiftShader). Exit 0 when every check passes.

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PACK=$(cd "${1:-$REPO/.gpu}" && pwd) || exit 2
SWIFTSHADER=/usr/lib/chromium/vk_swiftshader_icd.json
[ -f "$SWIFTSHADER" ] || { echo "selftest: SwiftShader not found ($SWIFTSHADER; see /work/shared/RECIPES.md)"; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/tenth-gpu-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/repo" "$T/out" "$T/bin"
cp -r "$PACK" "$T/repo/.gpu"

# A PATH without Node: every command of the usual folders except node and its launchers.
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  for f in "$d"/*; do
    n=$(basename "$f")
    case $n in node | nodejs | npm | npx | corepack | tsx) continue ;; esac
    [ -e "$T/bin/$n" ] || ln -s "$f" "$T/bin/$n"
  done
done

(cd "$T/repo" && env -i HOME="$T" PATH="$T/bin" OUT="$T/out" VK_ICD_FILENAMES="$SWIFTSHADER" \
  TENTH_GPU_QUICK=1 TENTH_GPU_MODELS='^mlp_digits$' TENTH_GPU_FORCE_DEBS=1 TENTH_GPU_WORK="$T/work" \
  TENTH_GPU_BUDGET_S="${TENTH_GPU_BUDGET_S:-900}" TENTH_GPU_STEP_S="${TENTH_GPU_STEP_S:-400}" bash .gpu/run.sh) >"$T/run.stdout" 2>&1
rc=$?

fails=0
check() { # description, command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "ok    $what"; else echo "FAIL  $what"; fails=$((fails + 1)); fi
}
status() { awk -F'\t' -v s="$1" '$1 == s { print $2 }' "$T/out/steps.tsv"; }
check "the pack's run.sh is test/bench/gpu/run.sh (else: npm run bench:gpu-pack)" cmp -s "$PACK/run.sh" "$REPO/test/bench/gpu/run.sh"
check "run.sh exits 0 (was $rc)" test "$rc" = 0
check "no node on the test PATH" bash -c "! env -i PATH='$T/bin' /bin/bash -c 'command -v node'"
check "steps unpack, probe, matmul and models-mlp_digits exit 0 ($(tr '\t\n' ': ' <"$T/out/steps.tsv"))" \
  bash -c "[ '$(status unpack)$(status probe)$(status matmul)$(status models-mlp_digits)' = 0000 ]"
check "the packed Vulkan loader is used" grep -q "libvulkan.so.1" "$T/out/run.log"
check "adapter.json names the adapter and what it offers" grep -q '"description": "SwiftShader' "$T/out/adapter.json"
check "adapter.json: the test dispatch read back right" grep -q '"ok": true' "$T/out/adapter.json"
check "matmul.txt: GFLOP/s at 64 and 96, results match" bash -c "grep -qE '^ +64 ' '$T/out/matmul.txt' && grep -qE '^ +96 ' '$T/out/matmul.txt' && grep -q 'results match the naive loop' '$T/out/matmul.txt'"
check "models-mlp_digits.txt: both sides timed and checked" grep -qE '^mlp_digits .* PASS [0-9.e-]+ +PASS [0-9.e-]+$' "$T/out/models-mlp_digits.txt"
check "subgroups offered by SwiftShader: the --subgroups variant ran" grep -q 'compiled with subgroups' "$T/out/models-subgroups-mlp_digits.txt"
check "shader-f16 not offered: no f16 step" test ! -e "$T/out/models-f16-mlp_digits.txt"
check "summary.txt: adapter, MatMul table, mlp_digits rows of both variants" bash -c "grep -q '^adapter (Dawn): SwiftShader' '$T/out/summary.txt' && grep -q '^WebGPU MatMul' '$T/out/summary.txt' && [ \$(grep -cE '^mlp_digits .* PASS' '$T/out/summary.txt') = 2 ]"
check "env.txt records the set-up" grep -q '^LD_LIBRARY_PATH=' "$T/out/env.txt"
if ((fails > 0)); then
  echo "--- run.sh output"
  tail -n 60 "$T/run.stdout"
  echo "selftest: $fails check(s) failed"
  exit 1
fi
head=$(git -C "$REPO" rev-parse HEAD 2>/dev/null)
grep -q "from commit $head" "$PACK/MANIFEST.txt" || echo "note: the pack was made from another commit than HEAD ($head): $(head -n 1 "$PACK/MANIFEST.txt")"
echo "selftest: all checks passed ($(awk -F'\t' 'NR > 1 { s += $3 } END { print s }' "$T/out/steps.tsv") s of steps)"
