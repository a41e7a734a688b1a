// `npx tsx test/bench/wasm-gemm.ts [-- OPTIONS]`: GFLOP/s of the WASM-SIMD GEMM kernel
// (src/backends/wasm/gemm-kernel.ts) on square sizes, next to the peak that a tight loop of independent
// f32x4 multiply-add chains reaches on this machine in the same run, and the ratio of the two.
// Not a vitest file. Single-threaded; the machine is shared, so every figure is a median of short runs.
//
// Exit status: 0 when every result matched the naive reference; 1 when one did not; 2 for bad usage.

import { setFlagsFromString } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import wabtInit from 'wabt';
import { GEMM_DEFAULTS, gemmModuleWat, gemmWorkspaceBytes, packB, type GemmOptions } from '../../src/backends/wasm/gemm-kernel.js';

// Relaxed SIMD is behind a flag in Node 20; it must be set before any module is compiled.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const HELP = `usage: npx tsx test/bench/wasm-gemm.ts [OPTIONS]

options:
  --sizes LIST     square sizes M=N=K (default 256,512,1024)
  --runs N         timed runs per size, median reported (default 7; at least 5)
  --mr N --nr N --kc N --nc N --unroll N   block sizes (defaults: the kernel's GEMM_DEFAULTS)
  --no-pack-a      read A in place instead of copying MR x KC blocks to a workspace first
  --relaxed        use f32x4.relaxed_madd (compared with the relaxed_madd peak)
  --sweep          also time a few register blocks at the largest size (for choosing defaults)
  --json           print the figures as JSON
  -h, --help       show this help
`;

type Wabt = Awaited<ReturnType<typeof wabtInit>>;

function assemble(wabt: Wabt, text: string): WebAssembly.Module {
  const m = wabt.parseWat('bench.wat', text, { simd: true, relaxed_simd: true, multi_value: true });
  try {
    return new WebAssembly.Module(m.toBinary({}).buffer as Uint8Array<ArrayBuffer>);
  } finally {
    m.destroy();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/**
 * The multiply-add peak: independent accumulators on registers, each `acc = acc * x + y` (f32x4.mul
 * then f32x4.add, or one relaxed_madd). The product must depend on the loop: V8 hoists a
 * loop-invariant `x * y` out of the loop, which would time additions only. A chain costs a mul and an
 * add latency per step, so the loop needs about twice as many chains as the FP pipes to stay busy;
 * the best of a few chain counts is the peak (more chains spill registers).
 *
 * 'add' is the bound of a multiply-add whose multiply and add are independent (as in GEMM): the
 * throughput of independent f32x4.add alone, each counted as 8 flops, since on this machine's cores
 * (AMD Zen) multiplies and adds issue to separate pipes. The mul+add chain loop can sit below it
 * when its latency is not fully hidden.
 */
type PeakKind = 'mul+add' | 'relaxed_madd' | 'add';
const CHAIN_COUNTS = [10, 12, 13];
function peakWat(chains: number, kind: PeakKind): string {
  const body: string[] = [];
  for (let i = 0; i < chains; i++) {
    const a = `(local.get $a${i})`;
    body.push(`(local.set $a${i} ${
      kind === 'relaxed_madd' ? `(f32x4.relaxed_madd ${a} (local.get $x) (local.get $y))`
      : kind === 'mul+add' ? `(f32x4.add (f32x4.mul ${a} (local.get $x)) (local.get $y))`
      : `(f32x4.add ${a} (local.get $y))`})`);
  }
  const accs = Array.from({ length: chains }, (_, i) => `(local $a${i} v128)`).join(' ');
  let sum = '(local.get $a0)';
  for (let i = 1; i < chains; i++) sum = `(f32x4.add ${sum} (local.get $a${i}))`;
  // x = 0.5, y = 0.25: every multiply-add chain converges to 0.5, no overflow or denormals.
  return `(module
  (func (export "peak") (param $iters i32) (result f32)
    (local $x v128) (local $y v128) ${accs}
    (local.set $x (f32x4.splat (f32.const 0.5)))
    (local.set $y (f32x4.splat (f32.const 0.25)))
    (loop $l
      ${body.join('\n      ')}
      ${body.join('\n      ')}
      (br_if $l (local.tee $iters (i32.sub (local.get $iters) (i32.const 1)))))
    (f32x4.extract_lane 0 ${sum})))`;
}

/** Median GFLOP/s (8 flops per f32x4 multiply-add) of the best chain count, runs of ~20 ms each. */
function measurePeak(wabt: Wabt, kind: PeakKind, runs: number): number {
  let best = 0;
  for (const chains of CHAIN_COUNTS) {
    const inst = new WebAssembly.Instance(assemble(wabt, peakWat(chains, kind)), {});
    const peak = inst.exports.peak as (iters: number) => number;
    const flopsPerIter = 2 * chains * 8;
    let iters = 1 << 14;
    // Warm-up until the optimising tier runs it and one run takes >= 20 ms.
    for (let t = 0; t < 50; t++) {
      const t0 = performance.now();
      peak(iters);
      const ms = performance.now() - t0;
      if (ms >= 20 && t >= 3) break;
      if (ms < 20) iters = Math.min(iters * 2, 1 << 28);
    }
    const g: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      peak(iters);
      g.push((iters * flopsPerIter) / ((performance.now() - t0) * 1e6));
    }
    best = Math.max(best, median(g));
  }
  return best;
}

interface SizeResult {
  size: number;
  gflops: number;
  ms: number;
  maxRelErr: number;
}

/** Times C = A*B at M=N=K=size; checks sampled rows against a naive f64 loop. */
function measureGemm(wabt: Wabt, opts: GemmOptions, size: number, runs: number): SizeResult {
  const M = size, N = size, K = size, nr = opts.nr ?? GEMM_DEFAULTS.nr;
  const A = new Float32Array(M * K), B = new Float32Array(K * N);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let i = 0; i < A.length; i++) A[i] = rnd();
  for (let i = 0; i < B.length; i++) B[i] = rnd();
  const Bp = packB(B, K, N, nr);
  // Layout (floats, 64-byte aligned): A | Bp | C | bias.
  const al = (x: number) => Math.ceil(x / 16) * 16;
  const aOff = 0, bOff = al(A.length), cOff = bOff + al(Bp.length), biasOff = cOff + al(M * N), wsOff = biasOff + al(N);
  const bytes = wsOff * 4 + gemmWorkspaceBytes(opts, K);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const gemmInst = new WebAssembly.Instance(assemble(wabt, gemmModuleWat(opts)), { env: { memory } });
  const gemm = gemmInst.exports[opts.name] as (...args: number[]) => void;
  const f = new Float32Array(memory.buffer);
  f.set(A, aOff);
  f.set(Bp, bOff);
  const call = () => gemm(aOff * 4, K, bOff * 4, cOff * 4, N, biasOff * 4, M, N, K, wsOff * 4);
  // Warm-up: enough calls for the optimising tier to take over (time-bounded).
  const tw = performance.now();
  for (let i = 0; i < 3 || (i < 20 && performance.now() - tw < 300); i++) call();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    call();
    ms.push(performance.now() - t0);
  }
  const med = median(ms);
  let maxRelErr = 0;
  const C = f.subarray(cOff, cOff + M * N);
  for (let i = 0; i < M; i += Math.max(1, Math.floor(M / 7))) {
    for (let j = 0; j < N; j++) {
      let s = 0, sa = 0;
      for (let k = 0; k < K; k++) {
        s += A[i * K + k]! * B[k * N + j]!;
        sa += Math.abs(A[i * K + k]! * B[k * N + j]!);
      }
      const err = Math.abs(C[i * N + j]! - s) / Math.max(sa, 1e-30);
      maxRelErr = Number.isNaN(err) ? Infinity : Math.max(maxRelErr, err);
    }
  }
  return { size, gflops: (2 * M * N * K) / (med * 1e6), ms: med, maxRelErr };
}

export interface WasmGemmBenchConfig {
  sizes: number[];
  /** Timed runs per figure (at least 5); medians are reported. */
  runs: number;
  /** Kernel options except the name. */
  gemm: Omit<GemmOptions, 'name'>;
  /** Also time a few register blocks at the largest size. */
  sweep: boolean;
}

export interface WasmGemmBenchReport {
  config: WasmGemmBenchConfig;
  kind: string;
  /** The multiply-add peak (mul+add or relaxed_madd chains), measured before and after the GEMM runs. */
  peak: { before: number; after: number };
  /** mul+add only: the independent-add bound (see measurePeak). */
  addBound?: number;
  results: SizeResult[];
  sweep: { block: string; gflops: number }[];
  ok: boolean;
}

export const DEFAULT_SIZES = [256, 512, 1024];

export async function runWasmGemmBench(cfg: WasmGemmBenchConfig): Promise<WasmGemmBenchReport> {
  const wabt = await wabtInit();
  const opts: GemmOptions = { ...cfg.gemm, name: 'gemm' };
  const relaxed = opts.relaxed ?? false;
  const runs = Math.max(5, cfg.runs);
  const pk: PeakKind = relaxed ? 'relaxed_madd' : 'mul+add';
  const before = measurePeak(wabt, pk, runs);
  const results = cfg.sizes.map((s) => measureGemm(wabt, opts, s, runs));
  const after = measurePeak(wabt, pk, runs);
  const addBound = relaxed ? undefined : measurePeak(wabt, 'add', runs);
  const sweep: WasmGemmBenchReport['sweep'] = [];
  if (cfg.sweep) {
    const big = Math.max(...cfg.sizes);
    for (const [mr, nr] of [[4, 8], [5, 8], [6, 8], [3, 12], [4, 12], [2, 16], [3, 16]] as const) {
      sweep.push({ block: `${mr}x${nr}`, gflops: measureGemm(wabt, { ...opts, mr, nr }, big, runs).gflops });
    }
  }
  return {
    config: cfg, kind: relaxed ? 'f32x4.relaxed_madd' : 'f32x4.mul+f32x4.add',
    peak: { before, after }, addBound, results, sweep, ok: results.every((r) => r.maxRelErr < 1e-5),
  };
}

export function formatWasmGemmBench(r: WasmGemmBenchReport): string {
  const d = { ...GEMM_DEFAULTS, ...Object.fromEntries(Object.entries(r.config.gemm).filter(([, v]) => v !== undefined)) };
  const peak = Math.max(r.peak.before, r.peak.after);
  const pct = (g: number, of: number) => `${(100 * g / of).toFixed(0)}%`;
  const big = Math.max(...r.config.sizes);
  return [
    `WASM-SIMD GEMM (single thread), ${r.kind}, mr=${d.mr} nr=${d.nr} kc=${d.kc} nc=${d.nc} unroll=${d.unroll} packA=${d.packA}, median of ${Math.max(5, r.config.runs)} runs`,
    `peak: ${CHAIN_COUNTS.join('/')} independent ${r.kind} chains on registers, best: ${r.peak.before.toFixed(1)} GFLOP/s before, ${r.peak.after.toFixed(1)} after`,
    ...(r.addBound !== undefined ? [`bound: independent f32x4.add throughput x 8 flops: ${r.addBound.toFixed(1)} GFLOP/s`] : []),
    `size      ms   GFLOP/s  of peak${r.addBound !== undefined ? '  of bound' : ''}  max rel err`,
    ...r.results.map((x) =>
      `${String(x.size).padStart(4)} ${x.ms.toFixed(2).padStart(7)} ${x.gflops.toFixed(1).padStart(9)} ${pct(x.gflops, peak).padStart(8)}` +
      `${r.addBound !== undefined ? pct(x.gflops, r.addBound).padStart(10) : ''}  ${x.maxRelErr.toExponential(1)}`),
    ...r.sweep.map((s) => `sweep ${s.block.padEnd(5)} at ${big}: ${s.gflops.toFixed(1)} GFLOP/s (${pct(s.gflops, peak)} of peak)`),
    r.ok ? 'results match the naive loop' : 'RESULTS DIFFER from the naive loop',
  ].join('\n') + '\n';
}

function intOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a non-negative integer, got '${v}'`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        sizes: { type: 'string' }, runs: { type: 'string' },
        mr: { type: 'string' }, nr: { type: 'string' }, kc: { type: 'string' }, nc: { type: 'string' }, unroll: { type: 'string' }, 'no-pack-a': { type: 'boolean' },
        relaxed: { type: 'boolean' }, sweep: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let cfg: WasmGemmBenchConfig;
  try {
    cfg = {
      sizes: values.sizes === undefined ? DEFAULT_SIZES : values.sizes.split(',').map((s) => intOpt(s, 'sizes')!),
      runs: intOpt(values.runs, 'runs') ?? 7,
      gemm: {
        relaxed: values.relaxed ?? false,
        mr: intOpt(values.mr, 'mr'), nr: intOpt(values.nr, 'nr'), kc: intOpt(values.kc, 'kc'), nc: intOpt(values.nc, 'nc'),
        unroll: intOpt(values.unroll, 'unroll'), packA: values['no-pack-a'] ? false : undefined,
      },
      sweep: values.sweep ?? false,
    };
    gemmModuleWat({ ...cfg.gemm, name: 'gemm' }); // validates the options
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const r = await runWasmGemmBench(cfg);
  process.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : formatWasmGemmBench(r));
  return r.ok ? 0 : 1;
}

// Run as a script, not when imported (npm run bench -- --target wasm imports runWasmGemmBench).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
