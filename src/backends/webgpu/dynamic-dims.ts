// Dims known only at run time, as in the WASM backend: one implementation for both backends lives
// in src/backends/dims.ts (dimSources, dynamicDims). The manifest carries the derived trees, where
// each data symbol is read and the conditions the shape rules assumed; the runtime evaluates them
// with src/runtime/dims.ts before each binding and fills the uniform slots and workgroup counts
// from the result.

export { dynamicDims, type DynamicDims } from '../dims.js';
