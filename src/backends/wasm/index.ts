// The WASM-SIMD backend: compile a module to model.wasm + weights.bin + manifest.json.
export { compileWasm, writeArtifact, assembleWat, WASM_PROFILE, DEFAULT_PIPELINE, RELAXED_FILE, type CompiledWasm, type CompileOptions } from './compile.js';
export { lowerModule } from './lower.js';
export { relaxWat } from './relaxed.js';
export type { Manifest, ManifestModule, CompileReport } from './artifact.js';
