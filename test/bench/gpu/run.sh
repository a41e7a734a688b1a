#!/usr/bin/env bash
# The WebGPU bench on a bare GPU machine (no Node, no network): `bash .gpu/run.sh`, in the folder
# that `npm run bench:gpu-pack` (test/bench/gpu/pack.mjs) built and copied here as .gpu/run.sh.
# Unpacks node, Dawn, the bench bundle, onnxruntime-web and the models into a temporary folder,
# sets up the Vulkan loader for the NVIDIA driver (/work/shared/GPU.md), then runs one step per
# process, each under `timeout`, writing into $OUT as each one finishes:
#   env.txt            machine, driver (nvidia-smi), Vulkan ICD and library set-up
#   adapter.json       the adapter Dawn gives (name, driver, features: shader-f16, subgroups,
#                      timestamp-query; limits) and a timed test dispatch
#   matmul.txt         MatMul GFLOP/s at 1024^3 and 4096^3 (bench --parts matmul)
#   models-NAME.txt    tenth vs onnxruntime-web WebGPU, median ms (bench --parts models), per model
#   models-f16-NAME.txt, models-subgroups-NAME.txt   the same with tenth's --f16 / --subgroups
#                      variants, where the adapter offers shader-f16 / subgroups
#   *.err              each step's stderr;  steps.tsv: step, exit status, seconds;  run.log
#   summary.txt        all of the above tables, headed by the adapter
# Exit 0 once the adapter was found and the steps ran (a step's own failure is in steps.tsv).
#
# Environment (all optional): OUT (default ./gpu-results), TENTH_GPU_BUDGET_S (stop starting steps
# after this many seconds, default 420), TENTH_GPU_STEP_S (per-step limit, default 150),
# TENTH_GPU_MODELS (regex on model names, default all), TENTH_GPU_QUICK=1 (3 runs per side, small
# MatMul sizes: checks the harness, not figures), TENTH_GPU_WORK (unpack folder), TENTH_DAWN_FLAGS
# (replace the Dawn flags below), TENTH_GPU_NODE_OPTS (node flags for the bench), TENTH_GPU_FORCE_DEBS=1 (use the packed Vulkan libraries even
# where the system has its own), VK_ICD_FILENAMES / VK_DRIVER_FILES (skip the ICD search).

set -u
PACK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BUDGET=${TENTH_GPU_BUDGET_S:-420}
STEP_S=${TENTH_GPU_STEP_S:-150}
WORK=${TENTH_GPU_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tenth-gpu.XXXXXX")}
mkdir -p "$WORK"
export PACK WORK
LOG=$OUT/run.log
: >"$LOG"
printf 'step\texit\tseconds\n' >"$OUT/steps.tsv"

log() { printf '[%4ds] %s\n' "$SECONDS" "$*" | tee -a "$LOG"; }

# step NAME LIMIT CMD...: run CMD under timeout (cut to the budget left), stdout to NAME.txt,
# stderr to NAME.err; the exit status is returned, 125 when the budget is spent.
step() {
  local name=$1 limit=$2 left rc t0
  shift 2
  left=$((BUDGET - SECONDS))
  if ((left < 10)); then
    log "skip $name: time budget (${BUDGET}s) spent"
    printf '%s\tskipped\t0\n' "$name" >>"$OUT/steps.tsv"
    return 125
  fi
  ((limit > left)) && limit=$left
  log "step $name (limit ${limit}s)"
  t0=$SECONDS
  timeout -k 5 "$limit" "$@" >"$OUT/$name.txt" 2>"$OUT/$name.err"
  rc=$?
  # The bench ends itself by SIGKILL after its report (TENTH_BENCH_FAST_EXIT, run.ts) and names its status last.
  local said
  said=$(tail -n 1 "$OUT/$name.err" | sed -n 's/^bench: exit status \([0-9]*\)$/\1/p')
  ((rc == 137)) && [ -n "$said" ] && rc=$said
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >>"$OUT/steps.tsv"
  log "step $name: exit $rc after $((SECONDS - t0))s$( ((rc == 124 || rc == 137)) && echo ' (TIMED OUT)')"
  # The tables also go to the log, so the device tool's output tail shows them.
  sed 's/^/    /' "$OUT/$name.txt" >>"$LOG"
  head -c 6000 "$OUT/$name.txt" | sed 's/^/    /'
  ((rc != 0)) && tail -n 8 "$OUT/$name.err" | sed 's/^/    stderr: /' | tee -a "$LOG"
  return $rc
}

unxz_cat() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1"
  elif command -v python3 >/dev/null 2>&1; then python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer, 1 << 20)' "$1"
  elif command -v busybox >/dev/null 2>&1; then busybox xz -dc "$1"
  else echo "no xz, python3 or busybox to unpack $1" >&2; return 1
  fi
}
unpack() { mkdir -p "$WORK/bin" && unxz_cat "$PACK/node.xz" >"$WORK/bin/node" && chmod +x "$WORK/bin/node" && unxz_cat "$PACK/payload.tar.xz" | tar -C "$WORK" -xf -; }
export -f unxz_cat unpack

log "tenth GPU bench: pack $PACK, work $WORK, results $OUT"
head -n 2 "$PACK/MANIFEST.txt" 2>/dev/null | tee -a "$LOG"
if ! step unpack 120 bash -c unpack; then
  log "cannot unpack the payload: stop"
  exit 1
fi
# A /tmp mounted noexec would stop node: unpack beside the pack instead.
if ! "$WORK/bin/node" --version >/dev/null 2>&1 && [ -z "${TENTH_GPU_WORK:-}" ]; then
  log "node does not run from $WORK ($("$WORK/bin/node" --version 2>&1 | head -c 300)): unpacking into $PACK/work"
  WORK=$PACK/work
  mkdir -p "$WORK"
  step unpack-again 120 bash -c unpack
fi
NODE=$WORK/bin/node
if ! "$NODE" --version >/dev/null 2>&1; then
  log "node does not run here: $("$NODE" --version 2>&1 | head -c 500): stop"
  exit 1
fi

# Vulkan loader and glvnd from the packed .debs, linked in where the system lacks them (or all
# with TENTH_GPU_FORCE_DEBS=1), through LD_LIBRARY_PATH rather than into /usr.
mkdir -p "$WORK/sys" "$WORK/lib"
for f in "$PACK"/debs/*.deb; do
  [ -e "$f" ] || continue
  if command -v dpkg >/dev/null 2>&1; then dpkg -x "$f" "$WORK/sys"
  elif command -v ar >/dev/null 2>&1; then (cd "$WORK/sys" && ar p "$f" data.tar.xz | unxz_cat /dev/stdin | tar -xf -)
  else log "no dpkg or ar: $(basename "$f") not unpacked"
  fi
done
syslibs=$( (ldconfig -p 2>/dev/null || true) | awk '{print $1}')
for p in "$WORK"/sys/usr/lib/x86_64-linux-gnu/lib*.so*; do
  [ -e "$p" ] || continue
  n=$(basename "$p")
  [[ $n =~ \.so\.[0-9]+$ ]] || continue # sonames only: the loader asks for libvulkan.so.1, not .so.1.3.239
  if [ "${TENTH_GPU_FORCE_DEBS:-0}" = 1 ] || ! grep -qx "$n" <<<"$syslibs"; then ln -sf "$p" "$WORK/lib/$n"; fi
done
export LD_LIBRARY_PATH="$WORK/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
log "packed libraries used: $(ls "$WORK/lib" | tr '\n' ' ')"

# The NVIDIA Vulkan driver manifest: the loader's own search paths first, then where GPU.md found
# it, then one written here for libGLX_nvidia.so.0.
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  icd=
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [ -f "$d/nvidia_icd.json" ] && icd=$d/nvidia_icd.json && break
  done
  if [ -z "$icd" ]; then
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
      [ -f "$f" ] && icd=$f && export VK_DRIVER_FILES=$f VK_ICD_FILENAMES=$f && break
    done
  fi
  if [ -z "$icd" ]; then
    for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
      if [ -e "$d/libGLX_nvidia.so.0" ]; then
        icd=$WORK/nvidia_icd.json
        printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$d/libGLX_nvidia.so.0" >"$icd"
        export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
        break
      fi
    done
  fi
  log "NVIDIA Vulkan ICD: ${icd:-none found (is 'graphics' in NVIDIA_DRIVER_CAPABILITIES?)}"
else
  log "Vulkan ICD given: ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"
fi
mkdir -p "$WORK/xdg" && chmod 700 "$WORK/xdg"
export XDG_RUNTIME_DIR=$WORK/xdg TENTH_BENCH_REEXEC=1 TENTH_BENCH_FAST_EXIT=1

DAWN=$WORK/app/node_modules/webgpu/dist/linux-x64/dawn.node
if ! "$NODE" -e "require(process.argv[1])" "$DAWN" 2>"$WORK/dawn-load.err"; then
  log "dawn.node does not load with the system's libraries ($(head -c 300 "$WORK/dawn-load.err")); adding the packed libstdc++"
  export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$WORK/compat"
fi

{
  echo "date: $(date -u +%FT%TZ)"; echo "uname: $(uname -a)"; grep -E '^(PRETTY_NAME|VERSION_ID)=' /etc/os-release 2>/dev/null
  echo "node: $("$NODE" --version 2>&1)"; echo "cpus: $(nproc 2>/dev/null)"; echo "libc: $(ldd --version 2>&1 | head -n 1)"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"; echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  echo "--- nvidia-smi"; timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv 2>&1
  echo "--- ICD manifests"; ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  echo "--- NVIDIA libraries"; ls /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu 2>/dev/null | grep -iE 'nvidia|vulkan|GLX|GLdispatch' | sort -u | tr '\n' ' '; echo
  echo "--- ldd dawn.node"; ldd "$DAWN" 2>&1
} >"$OUT/env.txt" 2>&1

# Dawn: Vulkan, precise timestamps, f16 offered on NVIDIA (GPU.md: one combined enable flag), and
# workgroup memory not zeroed, as in the bench here (both sides share the device).
ENABLE=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,use_vulkan_memory_model,disable_workgroup_init
if [ -z "${TENTH_DAWN_FLAGS:-}" ]; then
  export TENTH_DAWN_FLAGS="backend=vulkan enable-dawn-features=$ENABLE disable-dawn-features=timestamp_quantization"
  step probe 60 "$NODE" "$WORK/app/probe.mjs"
  rc=$?
  if ((rc == 3)); then
    log "no Vulkan adapter: trying Dawn's other backends"
    export TENTH_DAWN_FLAGS="enable-dawn-features=$ENABLE disable-dawn-features=timestamp_quantization"
    step probe-any 60 "$NODE" "$WORK/app/probe.mjs"
    rc=$?
    cp "$OUT/probe-any.txt" "$OUT/probe.txt"
  fi
else
  step probe 60 "$NODE" "$WORK/app/probe.mjs"
  rc=$?
fi
cp "$OUT/probe.txt" "$OUT/adapter.json"
if ((rc != 0)); then
  log "no working adapter (probe exit $rc; see adapter.json, probe.err, env.txt): stop"
  exit 1
fi
offer() { "$NODE" -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(j.offers[process.argv[2]] ? "1" : "0")' "$OUT/adapter.json" "$1"; }
F16=$(offer shader-f16)
SUBGROUPS=$(offer subgroups)
ADAPTER=$("$NODE" -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).adapter; process.stdout.write([a.description, a.vendor, a.architecture, a.device].join(" | "))' "$OUT/adapter.json")
log "adapter: $ADAPTER"
log "offers shader-f16: $F16, subgroups: $SUBGROUPS; flags: $TENTH_DAWN_FLAGS"

# TENTH_GPU_NODE_OPTS: V8 flags for the bench processes, e.g. --no-liftoff (onnxruntime-web's wasm
# compiled fully optimised up front instead of tiering up while it is timed; slower start).
read -r -a NODE_OPTS <<<"${TENTH_GPU_NODE_OPTS:-}"
BENCH=("$NODE" ${NODE_OPTS[@]+"${NODE_OPTS[@]}"} "$WORK/app/bench.mjs" --target webgpu --models "$WORK/models")
MM=()
if [ "${TENTH_GPU_QUICK:-0}" = 1 ]; then
  export TENTH_BENCH_QUICK=1
  MM=(--sizes 64,96 --runs 1)
fi
MODELS=$(ls "$WORK/models" | grep -E "${TENTH_GPU_MODELS:-.}")

step matmul "$STEP_S" "${BENCH[@]}" --parts matmul ${MM[@]+"${MM[@]}"}
for m in $MODELS; do step "models-$m" "$STEP_S" "${BENCH[@]}" --parts models --filter "^$m\$"; done
if [ "$F16" = 1 ]; then
  for m in $MODELS; do step "models-f16-$m" "$STEP_S" "${BENCH[@]}" --parts models --filter "^$m\$" --f16; done
fi
if [ "$SUBGROUPS" = 1 ]; then
  for m in $MODELS; do step "models-subgroups-$m" "$STEP_S" "${BENCH[@]}" --parts models --filter "^$m\$" --subgroups; done
fi

# One latency table per variant: the first table's heading, then each model's row and notes.
merged() { # PREFIX (models-, models-f16-, models-subgroups-)
  local first=
  for m in $MODELS; do
    f=$OUT/$1$m.txt
    [ -s "$f" ] || continue
    if [ -z "$first" ]; then
      first=$f
      sed -n '/^WebGPU model latency/,/^----------/p' "$f"
    fi
    grep -E "^$m " "$f" || echo "$m  (no result: exit $(awk -F'\t' -v s="$1$m" '$1 == s { print $2 }' "$OUT/steps.tsv"), see $1$m.err)"
  done
  [ -n "$first" ] && for m in $MODELS; do [ -s "$OUT/$1$m.txt" ] && grep -E "^$m: " "$OUT/$1$m.txt"; done
  [ -n "$first" ] && echo
}
{
  echo "tenth WebGPU bench, $(date -u +%FT%TZ); $(head -n 1 "$PACK/MANIFEST.txt" 2>/dev/null)"
  sed -n '/^--- nvidia-smi/,/^---/{/^---/!p}' "$OUT/env.txt"
  echo "adapter (Dawn): $ADAPTER"
  echo "Dawn flags: $TENTH_DAWN_FLAGS; shader-f16 offered: $F16; subgroups offered: $SUBGROUPS"
  echo
  [ -s "$OUT/matmul.txt" ] && grep -v '^adapter:' "$OUT/matmul.txt" | sed '/./,$!d' && echo
  merged models-
  merged models-f16-
  merged models-subgroups-
  echo "steps (exit 1 = a result check failed or a side could not run; 124/137 = timed out):"
  cat "$OUT/steps.tsv"
} >"$OUT/summary.txt"
log "done in ${SECONDS}s: $OUT/summary.txt"
echo
cat "$OUT/summary.txt" # last, so that the device tool's output tail holds it even without the files
exit 0
