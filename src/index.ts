// `tenth`: the library entry point. The CLI (src/cli/) is a thin layer over exactly these calls.
//
//   import { importOnnxFile, interpret, printModule, readTensorProtoFile } from 'tenth';
//   const m = importOnnxFile('model.onnx');
//   const [y] = interpret(m, [readTensorProtoFile('input_0.pb').tensor]);
//
// The IR itself (types, tensors, builder, op table, ...) is the `tenth/ir` entry (ir/index.ts),
// re-exported here too so one import is enough.

export * from '../ir/index.js';

// ONNX in and out.
export { importOnnxFile, importOnnxBytes, type ImportOptions } from './onnx/import.js';
export { readTensorProtoFile, encodeTensorProto, decodeTensorProto } from './onnx/tensor-proto.js';
export { buildModel, type ModelSpec, type GraphSpec, type NodeSpec, type ValueSpec, type InitializerSpec } from './onnx/writer.js';

// Checking outputs against expected data.
export { compareTensors, formatNumber, ONNX_TOLERANCE, type Comparison, type Tolerance } from './check/compare.js';
export { listDataSets, loadExpected, loadInputs, type NamedTensor } from './check/data-dir.js';
export { checkOutputs, runDataDir, type OutputReport, type RunOptions, type RunReport } from './check/run-check.js';

// ONNX backend conformance tests.
export { inspectModel, type ModelFacts } from './conformance/classify.js';
export { runConformanceTest, type TestResult, type TestStatus } from './conformance/run-test.js';
export { listTests, runConformance, type ConformanceOptions } from './conformance/runner.js';
export { countLine, countResults, formatReport, groupTests, jsonReport, opTable } from './conformance/report.js';

// The command line, callable in process.
export { main, type CliIO } from './cli/main.js';
export { summarizeModule, formatSummary, type ModuleSummary } from './cli/summary.js';

// Compiling for a backend and running the compiled artifact (the runtime is also `tenth/runtime`,
// and what browsers and Deno get for `tenth`: it imports nothing of the compiler).
export { compileWasm, writeArtifact, WASM_PROFILE, type CompiledWasm, type CompileOptions } from './backends/wasm/compile.js';
export { loadCompiled } from './runtime/index.js';
