// `npm run bench [-- OPTIONS]`: the figures of `tenth stats` for every model in ../shared/models
// (beside the repository) next to onnxruntime's fully optimised node count of the same model, with
// a PASS/MISS mark per goal (see report.ts). Not a vitest file: it is run with tsx.
//
// Exit status: 0 when both sides handled every model and every checked result is unchanged (a MISS
// on a figure goal does not fail the run: the figures are the output; a model without test data is
// not checked); 1 when a model failed on either side or its results changed; 2 for bad usage or a
// missing model folder.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import { INTERP_PROFILE, type TargetProfile } from '../../passes/pass.js';
import { WASM_PROFILE } from '../../src/backends/wasm/compile.js';
import { WEBGPU_PROFILE } from '../../src/backends/webgpu/compile.js';
import { tenthFigures } from './figures.js';
import { ortOptimisedCount } from './ort-count.js';
import { formatReport, jsonReport, machine, reportOk, type ModelReport } from './report.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_MODELS = resolve(REPO_ROOT, '../shared/models');

// Backends of later issues (wasm, webgpu) add their profiles here.
const TARGETS: Readonly<Record<string, TargetProfile>> = { interp: INTERP_PROFILE, wasm: WASM_PROFILE, webgpu: WEBGPU_PROFILE };

const HELP = `usage: npm run bench [-- OPTIONS]

For every model folder (model.onnx + test_data_set_N/) in ../shared/models: ops before and after the
pipeline, kernels after fusion, arena peak vs lower bound vs naive total, compile time (median), the
node count of onnxruntime's fully optimised graph, and whether results are unchanged.

options:
  --json            print the figures as JSON
  -v, --verbose     also print kernels by name and ORT nodes by op type, per model
  --runs N          compile each model N times and report the median (default 5)
  --passes P        pipeline to benchmark (default O2)
  --target NAME     backend profile (${Object.keys(TARGETS).join(', ')}; default interp); wasm also
                    times every model compiled to WASM against onnxruntime-web's WASM backend
                    (test/bench/wasm-models.ts) and the WASM-SIMD GEMM kernel (test/bench/wasm-gemm.ts);
                    webgpu times every model on Dawn against onnxruntime-web's WebGPU backend on the
                    same device (test/bench/webgpu-models.ts) and the MatMul kernel in GFLOP/s
                    (test/bench/webgpu-matmul.ts); on a CPU-only machine it re-runs itself with
                    VK_ICD_FILENAMES set to SwiftShader
  --threads N       with --target wasm: tenth's threaded module on N threads, and onnxruntime-web
                    with env.wasm.numThreads = N (default 1); the latency table gets a threads column
  --sizes LIST      webgpu MatMul sizes M=N=K (default 256,1024 on SwiftShader, 1024,4096 on a GPU)
  --f16             with --target webgpu: tenth's models compiled with f16 weights (needs shader-f16)
  --subgroups       with --target webgpu: tenth's models compiled with subgroup reductions
  --parts LIST      which parts to run, of figures,models,matmul (default all; models and matmul
                    are the latency and kernel timings of --target wasm/webgpu); the GPU pack
                    (test/bench/gpu/) runs one part per process
  --models DIR      model folder (default ../shared/models beside the repository)
  --filter REGEX    only models whose folder name matches
  -h, --help        show this help

environment: TENTH_BENCH_QUICK=1 times each model only 3 runs per side after 1 warm-up (a smoke
test of the harness, not figures); TENTH_DAWN_FLAGS replaces the Dawn instance flags
(test/bench/webgpu-models.ts dawnFlags); TENTH_BENCH_FAST_EXIT=1 ends the process right after the
report, by SIGKILL, with 'bench: exit status N' as the last line of stderr (test/bench/gpu/run.sh).
`;

const PARTS = ['figures', 'models', 'matmul'] as const;
type Part = (typeof PARTS)[number];
const QUICK_LATENCY = { minRuns: 3, maxRuns: 3, budgetMs: 0, minWarmup: 1, warmupMs: 0 };

class UsageError extends Error {}

interface BenchArgs {
  json: boolean;
  verbose: boolean;
  runs: number;
  pipeline: string;
  target: string;
  modelsDir: string;
  filter: RegExp | undefined;
  threads: number;
  sizes: number[] | undefined;
  parts: ReadonlySet<Part>;
  variant: { f16: boolean; subgroups: boolean };
}

function readArgs(argv: string[]): BenchArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        runs: { type: 'string' },
        passes: { type: 'string' },
        target: { type: 'string' },
        models: { type: 'string' },
        filter: { type: 'string' },
        threads: { type: 'string' },
        sizes: { type: 'string' },
        parts: { type: 'string' },
        f16: { type: 'boolean' },
        subgroups: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const runs = Number(values.runs ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs expects a positive integer, got '${values.runs}'`);
  const threads = Number(values.threads ?? 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 16) throw new UsageError(`--threads expects an integer from 1 to 16, got '${values.threads}'`);
  const target = values.target ?? 'interp';
  if (!(target in TARGETS)) {
    throw new UsageError(`unknown target '${target}': the benchmark knows ${Object.keys(TARGETS).join(', ')} (backends such as wasm come in later issues)`);
  }
  let filter: RegExp | undefined;
  try {
    filter = values.filter === undefined ? undefined : new RegExp(values.filter);
  } catch (e) {
    throw new UsageError(`--filter: ${(e as Error).message}`);
  }
  const sizes = values.sizes?.split(',').map(Number);
  if (sizes && !sizes.every((n) => Number.isInteger(n) && n > 0)) throw new UsageError(`--sizes expects positive integers separated by commas, got '${values.sizes}'`);
  const parts = values.parts?.split(',') ?? [...PARTS];
  const badPart = parts.find((p) => !(PARTS as readonly string[]).includes(p));
  if (badPart !== undefined || parts.length === 0) throw new UsageError(`--parts expects some of ${PARTS.join(',')}, got '${values.parts}'`);
  if ((values.f16 || values.subgroups) && target !== 'webgpu') throw new UsageError(`--${values.f16 ? 'f16' : 'subgroups'} applies to --target webgpu only`);
  return {
    sizes,
    parts: new Set(parts as Part[]),
    variant: { f16: values.f16 ?? false, subgroups: values.subgroups ?? false },
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    runs,
    pipeline: values.passes ?? 'O2',
    target,
    modelsDir: values.models === undefined ? DEFAULT_MODELS : resolve(values.models),
    filter,
    threads,
  };
}

/** Model folders (holding model.onnx) under `dir`, sorted by name. */
export function listModels(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`model folder not found: ${dir} (the benchmark reads ../shared/models beside the repository; --models DIR picks another)`);
  }
  const names = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'model.onnx'))).sort();
  if (names.length === 0) throw new UsageError(`no models in ${dir} (expected <name>/model.onnx)`);
  return names;
}

function describe(e: unknown): string {
  if (e instanceof TenthError) return e.diagnostics.map(formatDiagnostic).join('; ');
  return e instanceof Error ? `internal error: ${e.message}` : String(e);
}

async function benchModel(name: string, a: BenchArgs): Promise<ModelReport> {
  const dir = join(a.modelsDir, name);
  const path = join(dir, 'model.onnx');
  // Each side on its own: a model one of them cannot handle still gets the other's figures.
  let ort: ModelReport['ort'];
  let ortError: string | undefined;
  try {
    ort = await ortOptimisedCount(path);
  } catch (e) {
    ortError = describe(e);
  }
  let tenth: ModelReport['tenth'];
  let tenthError: string | undefined;
  try {
    tenth = tenthFigures(dir, path, { pipeline: a.pipeline, target: TARGETS[a.target]!, runs: a.runs });
  } catch (e) {
    tenthError = describe(e);
  }
  return { model: name, tenth, tenthError, ort, ortError };
}

async function main(argv: string[]): Promise<number> {
  let a: BenchArgs | 'help';
  let names: string[];
  try {
    a = readArgs(argv);
    if (a === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    names = listModels(a.modelsDir).filter((n) => !(a as BenchArgs).filter || (a as BenchArgs).filter!.test(n));
    if (names.length === 0) throw new UsageError(`no model in ${a.modelsDir} matches --filter ${argv[argv.indexOf('--filter') + 1]}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n`);
    return 2;
  }
  // --target webgpu: a machine whose own drivers give an adapter (a real GPU) runs on it; else
  // SwiftShader, in a child started with VK_ICD_FILENAMES set (the runtime's probe decides, as for
  // `tenth run`; it sets the variable itself on fallback, so the child is only for older setups).
  if (a.target === 'webgpu') {
    const { chooseDriver } = await import('../../src/runtime/webgpu-node.js');
    const userSet = process.env['VK_ICD_FILENAMES'] !== undefined || process.env['VK_DRIVER_FILES'] !== undefined;
    const choice = userSet ? undefined : await chooseDriver();
    if (choice?.source !== 'system' || choice.adapter === undefined) {
      const status = (await import('./webgpu-models.js')).reexecWithSwiftShader(existsSync);
      if (status !== undefined) return status;
    }
  }
  const reports: ModelReport[] = [];
  for (const n of a.parts.has('figures') ? names : []) {
    process.stderr.write(`bench: ${n}\n`);
    reports.push(await benchModel(n, a));
  }
  const quick = process.env['TENTH_BENCH_QUICK'] === '1';
  const runModels = a.parts.has('models'), runMatmul = a.parts.has('matmul');
  const ctx = { pipeline: a.pipeline, target: a.target, machine: machine(), verbose: a.verbose };
  // --target wasm: median latency of each compiled model against onnxruntime-web, interleaved (wasm-models.ts).
  const wasmModels = a.target === 'wasm' && runModels ? await import('./wasm-models.js') : undefined;
  const latency = wasmModels
    ? await wasmModels.benchModelsLatency(a.modelsDir, names, (n) => process.stderr.write(`bench: ${n} latency (tenth wasm vs onnxruntime-web)\n`), { ...(quick ? QUICK_LATENCY : wasmModels.DEFAULT_LATENCY), threads: a.threads })
    : undefined;
  // --target wasm also times the GEMM micro-kernel against this machine's multiply-add peak (wasm-gemm.ts).
  const gemm = a.target === 'wasm' && runMatmul
    ? await import('./wasm-gemm.js').then((g) => g.runWasmGemmBench({ sizes: g.DEFAULT_SIZES, runs: a.runs, gemm: {}, sweep: false }))
    : undefined;
  // --target webgpu: model latency against onnxruntime-web WebGPU on one Dawn device, and MatMul GFLOP/s.
  const gpuModels = a.target === 'webgpu' ? await import('./webgpu-models.js') : undefined;
  const gpuLatency = gpuModels && runModels
    ? await gpuModels.benchWebGpuModels(a.modelsDir, names, (n) => process.stderr.write(`bench: ${n} latency (tenth webgpu vs onnxruntime-web webgpu)\n`), quick ? QUICK_LATENCY : undefined, a.variant)
    : undefined;
  const gpuMatmul = a.target === 'webgpu' && runMatmul
    ? await import('./webgpu-matmul.js').then((g) => g.runWebGpuMatmulBench({ sizes: a.sizes, runs: a.runs }))
    : undefined;
  const adapter = gpuModels ? gpuModels.adapterName((await gpuModels.benchGpu()).adapter) : undefined;
  if (a.json) {
    const j = a.parts.has('figures') ? jsonReport(reports, ctx) : '{}';
    const extra = {
      ...(latency && { wasmModels: wasmModels!.jsonModelLatency(latency) }), ...(gemm && { wasmGemm: gemm }),
      ...(gpuModels && { adapter }), ...(gpuLatency && { webgpuVariant: a.variant, webgpuModels: (await import('./model-latency.js')).jsonModelLatency(gpuLatency) }), ...(gpuMatmul && { webgpuMatmul: gpuMatmul }),
    };
    process.stdout.write(latency || gemm || gpuLatency || gpuMatmul ? JSON.stringify({ ...JSON.parse(j), ...extra }, null, 2) + '\n' : j);
  } else {
    if (adapter) process.stdout.write(`adapter: ${adapter}\n\n`);
    if (a.parts.has('figures')) process.stdout.write(formatReport(reports, ctx));
    if (latency) process.stdout.write('\n' + wasmModels!.formatModelLatency(latency));
    if (gemm) process.stdout.write('\n' + (await import('./wasm-gemm.js')).formatWasmGemmBench(gemm));
    if (gpuLatency) process.stdout.write('\n' + gpuModels!.formatWebGpuModels(gpuLatency, adapter!, a.variant));
    if (gpuMatmul) process.stdout.write('\n' + (await import('./webgpu-matmul.js')).formatWebGpuMatmul(gpuMatmul));
  }
  const latencyOk = (await import('./model-latency.js')).latencyOk;
  return reports.every(reportOk) && (latency?.every(latencyOk) ?? true) && (gemm?.ok ?? true) &&
    (gpuLatency?.every(latencyOk) ?? true) && (gpuMatmul?.ok ?? true) ? 0 : 1;
}

const status = await main(process.argv.slice(2));
process.exitCode = status;
if (process.env['TENTH_BENCH_FAST_EXIT'] === '1') {
  // Node does not exit before V8 has finished compiling onnxruntime-web's hot wasm functions in the
  // background (over a minute on these shared 2-core machines). The GPU pack's run.sh does not wait
  // for that: the status goes to stderr and the process ends at once, by SIGKILL.
  process.stdout.write('', () => process.stderr.write(`bench: exit status ${status}\n`, () => process.kill(process.pid, 'SIGKILL')));
}
