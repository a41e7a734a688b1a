// Runs in Deno (wgpu + naga, the WebGPU implementation of Firefox and Deno) on Mesa's lavapipe:
// validates WGSL shaders with a second implementation, beside Dawn/Tint in the other tests.
// Plain JavaScript so that Deno runs it as is and the project's tsc (no WebGPU types) skips it.
//
// stdin: {"shaders": [{"name": "mlp_digits/O2/000-gemm.wgsl", "code": "..."}],
//         "features": ["shader-f16"], "workgroupStorageBytes": 4096}
// stdout: one JSON line {"adapter": {...}, "features": [...], "missing": [...],
//         "results": [{"name", "errors": [{"stage", "line", "column", "message"}]}]}
//
// Each shader: createShaderModule (naga parses and validates the WGSL: getCompilationInfo gives
// line and column), then createComputePipeline with the runtime's explicit layout (binding 0
// uniform, 1 storage, 2 read-only storage, 3 storage for --f16 intermediates: src/runtime/webgpu.ts),
// which checks the bindings' types against the layout and the workgroup size and storage against
// the device's limits. Both inside pushErrorScope('validation'), one scope each, so every error
// is tied to its stage.

const COMPUTE = 0x4;

const job = JSON.parse(await new Response(Deno.stdin.readable).text());
const adapter = await navigator.gpu.requestAdapter();
if (!adapter) {
  console.log(JSON.stringify({ fatal: 'no WebGPU adapter (is mesa-vulkan-drivers installed, VK_ICD_FILENAMES unset?)' }));
  Deno.exit(3);
}
const wanted = job.features ?? [];
const features = wanted.filter((f) => adapter.features.has(f));
const missing = wanted.filter((f) => !adapter.features.has(f));
const device = await adapter.requestDevice({
  requiredFeatures: features,
  requiredLimits: {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: Math.min(adapter.limits.maxComputeWorkgroupStorageSize, Math.max(16384, job.workgroupStorageBytes ?? 0)),
  },
});
const layout = device.createPipelineLayout({
  bindGroupLayouts: [device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: COMPUTE, buffer: { type: 'storage' } },
      { binding: 2, visibility: COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 3, visibility: COMPUTE, buffer: { type: 'storage' } },
      // Index-error status (gather's run-time check, src/backends/webgpu/index-check.ts).
      { binding: 4, visibility: COMPUTE, buffer: { type: 'storage' } },
    ],
  })],
});

/** naga's message starts with a newline and repeats the source excerpt: keep its first line. */
const firstLine = (m) => m.trim().split('\n')[0];

const results = [];
for (const s of job.shaders) {
  const errors = [];
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: s.code, label: s.name });
  const info = await module.getCompilationInfo();
  const moduleError = await device.popErrorScope();
  for (const m of info.messages) {
    if (m.type === 'error') errors.push({ stage: 'module', line: m.lineNum, column: m.linePos, message: firstLine(m.message) });
  }
  if (moduleError && errors.length === 0) errors.push({ stage: 'module', line: 0, column: 0, message: firstLine(moduleError.message) });
  if (errors.length === 0) {
    device.pushErrorScope('validation');
    try {
      device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' }, label: s.name });
    } catch (e) {
      errors.push({ stage: 'pipeline', line: 0, column: 0, message: firstLine(String(e?.message ?? e)) });
    }
    const pipelineError = await device.popErrorScope();
    if (pipelineError) errors.push({ stage: 'pipeline', line: 0, column: 0, message: firstLine(pipelineError.message) });
  }
  results.push({ name: s.name, errors });
}
const info = adapter.info ?? {};
console.log(JSON.stringify({
  adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
  features: [...adapter.features].sort(),
  missing,
  results,
}));
