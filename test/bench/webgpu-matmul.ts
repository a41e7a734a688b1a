// MatMul GFLOP/s of tenth's WebGPU GEMM kernel (src/backends/webgpu/kernels/gemm.ts), for
// `npm run bench -- --target webgpu`: a one-op module `%c = matmul(%a, %b)` at M=N=K=size compiled
// by compileWebGpu (IR text, pipeline 'fuse'), instantiated on the bench's Dawn device, and timed
// with the runtime's profile(): the kernel dispatched `repeats` times in one compute pass, one
// submit, waited for; the per-dispatch time is the median over runs. Results: sampled rows checked
// against a naive float64 loop (relative to sum |a b|).
//
// Peak: f32 (non-tensor-core) FMA peak of the adapter where known, from NVIDIA's data sheets
// (boost clock); '-' for any other adapter (SwiftShader runs on the CPU: no meaningful figure).

import { parseModule } from '../../ir/parser.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { median } from './figures.js';
import { adapterName, benchGpu, isSwiftShader, type AdapterInfo } from './webgpu-models.js';

/** f32 peak in GFLOP/s by adapter description; the first match wins. */
export const PEAKS: readonly { readonly match: RegExp; readonly gflops: number; readonly note: string }[] = [
  { match: /H100.*PCIe/i, gflops: 51_200, note: 'H100 PCIe f32' },
  { match: /H100/i, gflops: 66_900, note: 'H100 SXM f32' },
  { match: /H200/i, gflops: 66_900, note: 'H200 f32' },
  { match: /A100/i, gflops: 19_500, note: 'A100 f32' },
  { match: /L4\b/i, gflops: 30_300, note: 'L4 f32' },
];

/** The adapter's f32 peak, or undefined where not known. */
export function peakFor(a: AdapterInfo): { gflops: number; note: string } | undefined {
  const name = `${a.description} ${a.device}`;
  const p = PEAKS.find((x) => x.match.test(name));
  return p && { gflops: p.gflops, note: p.note };
}

/** Default sizes: small on SwiftShader (4096^3 takes minutes on the CPU), large on a real GPU. */
export const defaultSizes = (a: AdapterInfo): number[] => (isSwiftShader(a) ? [256, 1024] : [1024, 4096]);

export const gflops = (size: number, ms: number): number => (2 * size ** 3) / (ms * 1e6);

export interface MatmulResult {
  readonly size: number;
  readonly ms: number;
  readonly gflops: number;
  readonly repeats: number;
  readonly maxRelErr: number;
}

export interface MatmulReport {
  readonly adapter: AdapterInfo;
  readonly peak?: { gflops: number; note: string };
  readonly kernel: string;
  readonly runs: number;
  readonly results: MatmulResult[];
  readonly ok: boolean;
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (s >>> 8) / 2 ** 24 - 0.5;
  }
  return v;
}

async function measure(size: number, runs: number): Promise<{ result: MatmulResult; kernel: string }> {
  const { device } = await benchGpu();
  const t = `f32[${size},${size}]`;
  const text = `module @mm {\n  func @main(%a: ${t}, %b: ${t}) -> (%c: ${t}) {\n    %c = matmul(%a, %b) : ${t}\n    return %c\n  }\n}`;
  const c = compileWebGpu(parseModule(text, { file: 'matmul.ir' }), { passes: 'fuse' });
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, device);
  const A = random(size * size, 1), B = random(size * size, 2);
  const feeds = { [m.manifest.inputs[0]!.name]: { data: A, dims: [size, size] }, [m.manifest.inputs[1]!.name]: { data: B, dims: [size, size] } };
  const C = (await m.run(feeds))[m.manifest.outputs[0]!.name]!.data as Float32Array;
  // Repeats: enough dispatches per submit for ~50 ms, from one timed dispatch.
  const one = (await m.profile(feeds, 1))[0]!.ms;
  const repeats = Math.max(1, Math.min(200, Math.round(50 / Math.max(one, 1e-3))));
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) ms.push((await m.profile(feeds, repeats))[0]!.ms);
  let maxRelErr = 0;
  for (let i = 0; i < size; i += Math.max(1, Math.floor(size / 5))) {
    for (let j = 0; j < size; j++) {
      let s = 0, sa = 0;
      for (let k = 0; k < size; k++) {
        const p = A[i * size + k]! * B[k * size + j]!;
        s += p;
        sa += Math.abs(p);
      }
      const err = Math.abs(C[i * size + j]! - s) / Math.max(sa, 1e-30);
      maxRelErr = Number.isNaN(err) ? Infinity : Math.max(maxRelErr, err);
    }
  }
  const med = median(ms);
  return { result: { size, ms: med, gflops: gflops(size, med), repeats, maxRelErr }, kernel: c.shaders[0]!.file };
}

export async function runWebGpuMatmulBench(opts: { sizes?: readonly number[]; runs: number }): Promise<MatmulReport> {
  const { adapter } = await benchGpu();
  const sizes = opts.sizes ?? defaultSizes(adapter);
  const results: MatmulResult[] = [];
  let kernel = '';
  for (const s of sizes) {
    const r = await measure(s, Math.max(3, opts.runs));
    results.push(r.result);
    kernel = r.kernel;
  }
  return { adapter, peak: peakFor(adapter), kernel, runs: Math.max(3, opts.runs), results, ok: results.every((r) => r.maxRelErr < 1e-5) };
}

/** '12.3%' of the peak, '-' where the peak is not known. */
export const ofPeak = (g: number, peak: number | undefined): string => (peak === undefined ? '-' : `${((100 * g) / peak).toFixed(1)}%`);

export function formatWebGpuMatmul(r: MatmulReport): string {
  const peak = r.peak ? `${(r.peak.gflops / 1000).toFixed(1)} TFLOP/s (${r.peak.note})` : '- (not known for this adapter)';
  return [
    `WebGPU MatMul (tenth's GEMM kernel, ${r.kernel}) on ${adapterName(r.adapter)}, f32, C = A B at M=N=K=size,`,
    `median of ${r.runs} submits of N back-to-back dispatches (time per dispatch); peak: ${peak}`,
    'size        ms     GFLOP/s  dispatches  of peak  max rel err',
    ...r.results.map((x) => `${String(x.size).padStart(4)} ${x.ms.toFixed(3).padStart(9)} ${x.gflops.toFixed(1).padStart(11)} ${String(x.repeats).padStart(11)} ${ofPeak(x.gflops, r.peak?.gflops).padStart(8)}  ${x.maxRelErr.toExponential(1)}`),
    r.ok ? 'results match the naive loop' : 'RESULTS DIFFER from the naive loop',
  ].join('\n') + '\n';
}
