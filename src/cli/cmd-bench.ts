// `tenth bench MODEL|DIR`: time every kernel of a compiled model (WASM: each kernel function
// called in order, the whole sequence repeated, medians per kernel; WebGPU: the runtime's
// profile(), GPU timestamps per kernel where the device has timestamp-query, else each dispatch
// submitted and waited for) and print predicted against measured time per
// kernel with Spearman's rank correlation over all kernels.
// `tenth calibrate MODEL|DIR --out FILE`: the same run, then a device profile calibrated from it
// (launch overhead and per-family efficiency; src/report/calibrate.ts) for `compile --device FILE`.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { tensorFrom, zeros, type Tensor } from '../../ir/tensor.js';
import type { DType } from '../../ir/dtype.js';
import { compileWasm, writeArtifact } from '../backends/wasm/index.js';
import { toRunTensor } from '../conformance/feeds.js';
import { readTensorProtoFile } from '../onnx/tensor-proto.js';
import { calibrateProfile, median, spearman, type KernelMeasurement } from '../report/calibrate.js';
import type { CostReport } from '../report/cost.js';
import { BUNDLED_PROFILES, DEFAULT_PROFILE, loadProfile, type DeviceProfile } from '../report/profile.js';
import { fmtUs } from '../report/table.js';
import { FORMAT } from '../runtime/common.js';
import { loadCompiled, type RunTensor } from '../runtime/index.js';
import type { Module } from '../../ir/ir.js';
import type { OptionSpec } from './args.js';
import { parseBind } from './cmd-compile.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';
import { PASSES_OPTION } from './cmd-passes.js';
import { loadModule, writeFileAtomic } from './files.js';
import { folderFormat, isCompiledDir, runtimeErrors } from './run-compiled.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

const COMMON: readonly OptionSpec[] = [
  { name: 'target', kind: 'string', arg: 'NAME', help: 'wasm or webgpu, for a MODEL (a compiled DIR is timed on its own target; default wasm)' },
  { name: 'data', kind: 'string', arg: 'DIR', help: 'a test-data folder (input_K.pb) to run on; default: inputs of ones at the bound sizes' },
  { name: 'bind', kind: 'string', arg: 'SYM=N,...', help: 'sizes of symbolic dims when there is no --data (default 1 each)' },
  { name: 'device', kind: 'string', arg: 'NAME|FILE', help: `device profile for the predictions (default ${DEFAULT_PROFILE.wasm} for wasm, ${DEFAULT_PROFILE.webgpu} for webgpu)` },
  { name: 'runs', kind: 'string', arg: 'N', help: 'timed runs of the whole kernel sequence', default: '30' },
  { name: 'warmup', kind: 'string', arg: 'N', help: 'untimed runs first', default: '5' },
  PASSES_OPTION,
];

interface Measured {
  readonly report: CostReport;
  readonly kernels: KernelMeasurement[];
  readonly rho: number;
  readonly measuredTotalUs: number;
  /** How the kernels were timed. */
  readonly timing: string;
}

function intOption(o: Readonly<Record<string, unknown>>, name: string, min: number): number {
  const v = Number(o[name]);
  if (!Number.isInteger(v) || v < min) fail('E108', `--${name}: expected an integer >= ${min}, got '${String(o[name])}'`);
  return v;
}

type Inputs = Timed['manifest']['inputs'];

function readFeeds(inputs: Inputs, dir: string): { feeds: Record<string, RunTensor>; bind: Record<string, number> } {
  const feeds: Record<string, RunTensor> = {};
  const bind: Record<string, number> = {};
  inputs.forEach((inp, k) => {
    const path = join(dir, `input_${k}.pb`);
    if (!existsSync(path)) fail('E105', `missing data file ${path}`);
    const t = readTensorProtoFile(path).tensor;
    if (t.dtype !== inp.dtype) fail('E104', `${path} is ${t.dtype}, input '${inp.name}' is ${inp.dtype}`);
    if (t.shape.length !== inp.shape.length) fail('E104', `${path} has rank ${t.shape.length}, input '${inp.name}' has rank ${inp.shape.length}`);
    inp.shape.forEach((d, i) => { if (typeof d === 'string') bind[d] = t.shape[i]!; });
    feeds[inp.name] = toRunTensor(t);
  });
  return { feeds, bind };
}

function onesFeeds(inputs: Inputs, bind: Readonly<Record<string, number>>): Record<string, RunTensor> {
  const feeds: Record<string, RunTensor> = {};
  for (const inp of inputs) {
    const shape = inp.shape.map((d) => (typeof d === 'number' ? d : bind[d] ?? 1));
    const dtype = inp.dtype as DType;
    // Ones: a valid index for gathers, a harmless value for arithmetic.
    const t: Tensor = dtype === 'f32' || dtype === 'f64' ? tensorFrom(dtype, shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(1)) : zeros(dtype, shape);
    feeds[inp.name] = toRunTensor(t);
  }
  return feeds;
}

/** What measure() needs of a loaded model: the WASM and WebGPU runtimes both have these. */
interface Timed {
  readonly manifest: { readonly inputs: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly (number | string)[] }[] };
  profile(inputs: Readonly<Record<string, RunTensor>>, repeats?: number): Promise<{ kernel: string; ms: number; timing?: 'gpu' | 'cpu' }[]>;
}

function targetOf(o: Readonly<Record<string, unknown>>): 'wasm' | 'webgpu' {
  const t = typeof o['target'] === 'string' ? o['target'] : 'wasm';
  if (t !== 'wasm' && t !== 'webgpu') fail('E108', `unknown target '${t}' (available: wasm, webgpu)`);
  return t;
}

/** Load the compiled folder; errors name `shown` (the user's model, not a temporary folder). */
async function loadTimed(dir: string, target: 'wasm' | 'webgpu', shown: string): Promise<Timed> {
  if (target === 'wasm') return runtimeErrors(shown, 'WASM', () => loadCompiled(dir));
  const { loadCompiledWebGpu } = await import('../runtime/webgpu.js');
  const { cliDevice } = await import('./webgpu-cli.js');
  return runtimeErrors(shown, 'WebGPU', async () => loadCompiledWebGpu(dir, { device: await cliDevice() }));
}

async function compileTo(dir: string, target: 'wasm' | 'webgpu', module: Module, opts: { passes?: string; profile?: DeviceProfile; bind?: Record<string, number> }): Promise<CostReport> {
  if (target === 'wasm') {
    const c = await compileWasm(module, opts);
    writeArtifact(dir, c);
    return c.report;
  }
  const { compileWebGpu, writeWebGpuArtifact } = await import('../backends/webgpu/index.js');
  const c = compileWebGpu(module, opts);
  writeWebGpuArtifact(dir, c);
  return c.cost;
}

async function measure(args: { positionals: string[]; options: Record<string, unknown> }, ctx: CliContext, profileFor: (t: 'wasm' | 'webgpu') => DeviceProfile): Promise<Measured> {
  const o = args.options;
  const path = resolve(ctx.cwd, args.positionals[0]!);
  const runs = intOption(o, 'runs', 1), warmup = intOption(o, 'warmup', 0);
  const passes = typeof o['passes'] === 'string' ? o['passes'] : undefined;
  const tmp = makeTempDir('tenth-bench-');
  try {
    let dir = path;
    let report: CostReport;
    let target: 'wasm' | 'webgpu';
    let bind: Record<string, number> = typeof o['bind'] === 'string' ? parseBind(o['bind']) : {};
    let dataFeeds: Record<string, RunTensor> | undefined;
    if (isCompiledDir(path)) {
      const format = folderFormat(path);
      target = format === FORMAT.webgpu ? 'webgpu' : 'wasm';
      report = JSON.parse(readFileSync(join(path, 'report.json'), 'utf8')) as CostReport;
      if (report.format !== 'tenth-report/1') fail('E102', `${join(path, 'report.json')} is not a tenth cost report (recompile it)`);
      if (typeof o['device'] === 'string' || typeof o['bind'] === 'string' || typeof o['data'] === 'string' || typeof o['target'] === 'string') {
        ctx.io.err('note: a compiled folder is timed against its own report.json (its target, device and sizes); give the model to use --target/--device/--bind/--data\n');
      }
      bind = { ...report.bind };
    } else {
      target = targetOf(o);
      dir = join(tmp, 'compiled');
      const module = await loadModule(ctx.cwd, args.positionals[0]!);
      // Sizes from the data, when given, so that predictions describe the timed run: the model's
      // own input types name the symbols.
      if (typeof o['data'] === 'string') {
        const inputs = module.main.body.args.map((a) => ({ name: a.name, dtype: a.type.dtype, shape: a.type.shape ?? [] }));
        const read = readFeeds(inputs, resolve(ctx.cwd, o['data']));
        bind = read.bind;
        dataFeeds = read.feeds;
      }
      report = await compileTo(dir, target, module, { passes, profile: profileFor(target), bind });
    }
    const m = await loadTimed(dir, target, args.positionals[0]!);
    const feeds = dataFeeds ?? onesFeeds(m.manifest.inputs, bind);
    for (let i = 0; i < warmup; i++) await m.profile(feeds, 1);
    const samples: number[][] = report.kernels.map(() => []);
    const totals: number[] = [];
    let timing = target === 'wasm' ? 'each kernel function called in order' : 'each dispatch submitted and waited for';
    // WebGPU profile() times one dispatch of each kernel, but a dispatch in a loop or scan body runs
    // once per iteration (the report's `launches`); a wasm kernel function runs its whole loop.
    const perRun = report.kernels.map((k) => (target === 'webgpu' ? k.launches ?? 1 : 1));
    for (let i = 0; i < runs; i++) {
      const t = await m.profile(feeds, 1);
      if (t.length !== report.kernels.length) fail('E501', `the compiled model has ${t.length} kernels, its report ${report.kernels.length}`);
      t.forEach((k, j) => samples[j]!.push(k.ms * 1e3 * perRun[j]!));
      if (t[0]?.timing === 'gpu') timing = 'GPU timestamp queries, one compute pass per kernel';
      totals.push(t.reduce((a, k, j) => a + k.ms * 1e3 * perRun[j]!, 0));
      if (ctx.io.errIsTTY) ctx.io.err(`\rbench: run ${i + 1}/${runs}`);
    }
    if (ctx.io.errIsTTY) ctx.io.err('\n');
    const kernels = report.kernels.map((k, j) => ({ name: k.name, ops: k.ops, predictedUs: k.predictedUs, measuredUs: median(samples[j]!) }));
    return { report, kernels, rho: spearman(kernels.map((k) => k.predictedUs), kernels.map((k) => k.measuredUs)), measuredTotalUs: median(totals), timing };
  } finally {
    removeTempDir(tmp);
  }
}

function formatBench(r: Measured, runs: number): string {
  const rows = r.kernels.map((k) => [k.name, fmtUs(k.predictedUs), fmtUs(k.measuredUs), (k.measuredUs / (k.predictedUs || 1)).toFixed(2)]);
  const head = ['kernel', 'predicted', 'measured', 'meas/pred'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const predTotal = r.report.predicted.latencyMs * 1e3;
  return [
    `bench: ${r.report.model} (${r.report.target}) on this machine against ${r.report.device.name}` +
      `${Object.keys(r.report.bind).length ? ` at ${Object.entries(r.report.bind).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}, median of ${runs} runs per kernel (${r.timing})`,
    line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line),
    '',
    `total: predicted ${fmtUs(predTotal)}, measured ${fmtUs(r.measuredTotalUs)} (median of the runs' totals; ratio ${(r.measuredTotalUs / (predTotal || 1)).toFixed(2)})`,
    `rank correlation (Spearman) of predicted and measured kernel times: ${Number.isNaN(r.rho) ? 'n/a (fewer than 2 kernels)' : r.rho.toFixed(3)} over ${r.kernels.length} kernels`,
  ].join('\n') + '\n';
}

function profileOption(ctx: CliContext, o: Readonly<Record<string, unknown>>): (t: 'wasm' | 'webgpu') => DeviceProfile {
  return (t) => {
    const v = typeof o['device'] === 'string' ? o['device'] : DEFAULT_PROFILE[t];
    return loadProfile(BUNDLED_PROFILES[v] ? v : resolve(ctx.cwd, v));
  };
}

export const benchCommand: Command = {
  spec: {
    name: 'bench',
    summary: 'Time every kernel of a model on this machine and compare with the cost report\'s predictions.',
    details: [
      'MODEL is compiled for --target (default wasm; with --data, for the sizes of that data); a compiled DIR is timed',
      'against its report.json. Each run calls the kernels one by one in order (WebGPU, on Dawn in Node: timed with GPU',
      'timestamp queries, one compute pass per kernel, where the device has timestamp-query, else each dispatch submitted',
      'and waited for and timed on the CPU; the table says which); per-kernel medians over',
      '--runs runs are printed beside the predicted times, with Spearman\'s rank correlation over all kernels.',
    ].join('\n'),
    positionals: [{ name: 'MODEL|DIR', help: 'an ONNX model, IR text, or a compiled folder (wasm or webgpu)' }],
    options: [...COMMON, { name: 'json', kind: 'boolean', help: 'print {"kernels":[{name,predictedUs,measuredUs}],"spearman":r,...}' }],
  },
  async run(args, ctx) {
    const r = await measure(args, ctx, profileOption(ctx, args.options));
    const runs = Number(args.options['runs']);
    if (args.options['json'] === true) {
      ctx.io.out(JSON.stringify({ model: r.report.model, device: r.report.device.name, runs, kernels: r.kernels, spearman: r.rho,
        predictedTotalUs: r.report.predicted.latencyMs * 1e3, measuredTotalUs: r.measuredTotalUs, timing: r.timing }, null, 2) + '\n');
    } else ctx.io.out(formatBench(r, runs));
    return EXIT.ok;
  },
};

export const calibrateCommand: Command = {
  spec: {
    name: 'calibrate',
    summary: 'Measure a model\'s kernels and write a device profile calibrated to this machine.',
    details: [
      'Runs `tenth bench` and fits the profile: launch overhead from the cheapest kernels, and an efficiency',
      'factor per kernel family so that each family\'s predicted time matches its measured time. Use the result',
      'with `tenth compile --device FILE`; the report then names the calibrated profile.',
    ].join('\n'),
    positionals: [{ name: 'MODEL|DIR', help: 'an ONNX model, IR text, or a compiled folder (wasm or webgpu)' }],
    options: [...COMMON, { name: 'out', kind: 'string', arg: 'FILE', help: 'where to write the calibrated profile (JSON; required)' }],
  },
  async run(args, ctx) {
    if (typeof args.options['out'] !== 'string') fail('E108', 'calibrate needs --out FILE');
    const r = await measure(args, ctx, profileOption(ctx, args.options));
    const profile = calibrateProfile(r.report.device, r.report, r.kernels.map((k) => k.measuredUs));
    const out = resolve(ctx.cwd, args.options['out']);
    writeFileAtomic(out, JSON.stringify(profile, null, 2) + '\n');
    ctx.io.out(formatBench(r, Number(args.options['runs'])));
    ctx.io.out(`calibrated profile ${profile.name}: launch overhead ${profile.dispatchOverheadUs} us, efficiency ` +
      `${Object.entries(profile.calibration ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')} -> ${args.options['out']}\n`);
    return EXIT.ok;
  },
};
