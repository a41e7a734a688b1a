// `npx tsx test/bench/wasm-gemm.ts [-- OPTIONS]`: GFLOP/s of the WASM-SIMD GEMM kernel
// (src/backends/wasm/gemm-kernel.ts) on square sizes, next to the peak that a tight loop of independent
// f32x4 multiply-add chains reaches on this machine in the same run, and the ratio of the two.
// Not a vitest file. Single-threaded; the machine is shared, so every figure is a median of short runs.
//
// Exit status: 0 when every result matched the naive reference; 1 when one did not; 2 for bad usage.

import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import wabtInit from 'wabt';
import { GEMM_DEFAULTS, gemmModuleWat, packB, type GemmOptions } from '../../src/backends/wasm/gemm-kernel.js';

// Relaxed SIMD is behind a flag in Node 20; it must be set before any module is compiled.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const HELP = `usage: npx tsx test/bench/wasm-gemm.ts [OPTIONS]

options:
  --sizes LIST     square sizes M=N=K (default 256,512,1024)
  --runs N         timed runs per size, median reported (default 7; at least 5)
  --mr N --nr N --kc N --nc N --unroll N   block sizes (defaults: the kernel's GEMM_DEFAULTS)
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
 * The multiply-add peak: CHAINS independent accumulators, each `acc = acc * x + y` (f32x4.mul then
 * f32x4.add, or one relaxed_madd), all on registers. The product must depend on the loop: V8 hoists
 * a loop-invariant `x * y` out of the loop, which would time additions only. A chain costs a mul and
 * an add latency per step, so the loop needs about twice as many chains as the FP pipes to stay busy;
 * the best of a few chain counts is the peak (too many spill registers).
 */
const CHAIN_COUNTS = [10, 12, 13];
function peakWat(chains: number, relaxed: boolean): string {
  const body: string[] = [];
  for (let i = 0; i < chains; i++) {
    body.push(relaxed
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $a${i}) (local.get $x) (local.get $y)))`
      : `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $x)) (local.get $y)))`);
  }
  const accs = Array.from({ length: chains }, (_, i) => `(local $a${i} v128)`).join(' ');
  let sum = '(local.get $a0)';
  for (let i = 1; i < chains; i++) sum = `(f32x4.add ${sum} (local.get $a${i}))`;
  // x = 0.5, y = 0.25: every chain converges to 0.5, no overflow or denormals.
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

/** Median GFLOP/s of the peak loop (best chain count) over `runs` runs of ~20 ms each. */
function measurePeak(wabt: Wabt, relaxed: boolean, runs: number): number {
  let best = 0;
  for (const chains of CHAIN_COUNTS) {
    const inst = new WebAssembly.Instance(assemble(wabt, peakWat(chains, relaxed)), {});
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
  const aOff = 0, bOff = al(A.length), cOff = bOff + al(Bp.length), biasOff = cOff + al(M * N);
  const bytes = (biasOff + al(N)) * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const gemmInst = new WebAssembly.Instance(assemble(wabt, gemmModuleWat(opts)), { env: { memory } });
  const gemm = gemmInst.exports[opts.name] as (...args: number[]) => void;
  const f = new Float32Array(memory.buffer);
  f.set(A, aOff);
  f.set(Bp, bOff);
  const call = () => gemm(aOff * 4, K, bOff * 4, cOff * 4, N, biasOff * 4, M, N, K);
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
        mr: { type: 'string' }, nr: { type: 'string' }, kc: { type: 'string' }, nc: { type: 'string' }, unroll: { type: 'string' },
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
  let opts: GemmOptions, sizes: number[], runs: number;
  try {
    sizes = (values.sizes ?? '256,512,1024').split(',').map((s) => intOpt(s, 'sizes')!);
    runs = Math.max(5, intOpt(values.runs, 'runs') ?? 7);
    opts = {
      name: 'gemm', relaxed: values.relaxed ?? false,
      mr: intOpt(values.mr, 'mr'), nr: intOpt(values.nr, 'nr'), kc: intOpt(values.kc, 'kc'), nc: intOpt(values.nc, 'nc'),
      unroll: intOpt(values.unroll, 'unroll'),
    };
    gemmModuleWat(opts); // validates the options
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const wabt = await wabtInit();
  const relaxed = opts.relaxed ?? false;
  const peak = measurePeak(wabt, relaxed, runs);
  const results = sizes.map((s) => measureGemm(wabt, opts, s, runs));
  const peakAfter = measurePeak(wabt, relaxed, runs);
  const sweep: { block: string; gflops: number }[] = [];
  if (values.sweep) {
    const big = Math.max(...sizes);
    for (const [mr, nr] of [[4, 8], [5, 8], [6, 8], [3, 12], [4, 12], [2, 16], [3, 16]] as const) {
      const r = measureGemm(wabt, { ...opts, mr, nr }, big, runs);
      sweep.push({ block: `${mr}x${nr}`, gflops: r.gflops });
    }
  }
  const ok = results.every((r) => r.maxRelErr < 1e-5);
  const kind = relaxed ? 'f32x4.relaxed_madd' : 'f32x4.mul+f32x4.add';
  if (values.json) {
    process.stdout.write(JSON.stringify({ opts, kind, peakBefore: peak, peakAfter, results, sweep }, null, 2) + '\n');
  } else {
    const d = { ...GEMM_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
    const lines = [
      `WASM-SIMD GEMM, ${kind}, mr=${d.mr} nr=${d.nr} kc=${d.kc} nc=${d.nc} unroll=${d.unroll}, median of ${runs} runs`,
      `peak (best of ${CHAIN_COUNTS.join('/')} independent ${kind} chains): ${peak.toFixed(1)} GFLOP/s before, ${peakAfter.toFixed(1)} after`,
      'size      ms   GFLOP/s  % of peak  max rel err',
      ...results.map((r) =>
        `${String(r.size).padStart(4)} ${r.ms.toFixed(2).padStart(7)} ${r.gflops.toFixed(1).padStart(9)} ${(100 * r.gflops / Math.max(peak, peakAfter)).toFixed(0).padStart(9)}%  ${r.maxRelErr.toExponential(1)}`),
      ...sweep.map((s) => `sweep ${s.block.padEnd(5)} at ${Math.max(...sizes)}: ${s.gflops.toFixed(1)} GFLOP/s (${(100 * s.gflops / Math.max(peak, peakAfter)).toFixed(0)}%)`),
      ok ? 'results match the naive loop' : 'RESULTS DIFFER from the naive loop',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
