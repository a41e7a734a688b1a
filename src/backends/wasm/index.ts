// The WASM-SIMD backend: compile a module to model.wasm + weights.bin + manifest.json.
export { compileWasm, writeArtifact, assembleWat, WASM_PROFILE, DEFAULT_PIPELINE, type CompiledWasm, type CompileOptions } from './compile.js';
export { lowerModule } from './lower.js';
export type { Manifest, CompileReport } from './artifact.js';
