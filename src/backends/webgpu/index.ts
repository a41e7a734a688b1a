// The WebGPU backend: compile a module to one WGSL shader per dispatch + weights.bin + manifest.json.
export { compileWebGpu, writeWebGpuArtifact, dispatchPlan, WEBGPU_PROFILE, DEFAULT_PIPELINE, type CompiledWebGpu, type CompileOptions } from './compile.js';
export { lowerModule } from './lower.js';
export type { GpuManifest, GpuCompileReport, GpuKernel, GpuBuffer } from './artifact.js';
