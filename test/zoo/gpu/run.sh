#!/usr/bin/env bash
# On the GPU machine: `bash .gpu-zoo/run.sh` (see prep.ts). Installs the packed Vulkan loader
# libraries, unpacks node, runs every zoo model on the GPU against onnxruntime's outputs and writes
# zoo-gpu.txt into $OUT (default ./gpu-results). Exit 1 when a case failed.
set -u
PACK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
for f in "$PACK"/debs/*.deb; do dpkg -x "$f" / 2>/dev/null; done
ldconfig 2>/dev/null
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
(xz -dc "$PACK/node.xz" 2>/dev/null || python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$PACK/node.xz") >"$PACK/node" && chmod +x "$PACK/node"
cd "$PACK" && timeout 300 ./node run.mjs data.json.gz >"$OUT/zoo-gpu.txt" 2>&1
rc=$?
grep -v ' OK$' "$OUT/zoo-gpu.txt"
exit $rc
