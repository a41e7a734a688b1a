// `tenth/ir`: the public IR library. Importing it loads the whole op table.

export * from './dtype.js';
export * from './numeric.js';
export * from './types.js';
export * from './tensor.js';
export * from './location.js';
export * from './diagnostics.js';
export * from './ir.js';
export * from './attrs.js';
export * from './op-def.js';
export * from './infer.js';
export * from './builder.js';
export * from './verify.js';
export * from './interp.js';
export * from './printer.js';
export { parseModule, parseModuleFile, parseType, TextWeightStore, type ParseOptions } from './parser.js';
import './ops/index.js';
