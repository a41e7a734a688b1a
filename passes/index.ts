// `tenth/passes`: the pass manager's public API. Importing it registers the built-in passes.

export * from './pass.js';
export { registerPass, getPass, allPasses } from './registry.js';
export * from './pipeline.js';
export * from './pipelines.js';
export * from './manager.js';
export * from './instruments.js';
export * from './instrument-dump.js';
import './builtin.js';
