// `npx tsx test/bench/wasm-attention.ts [SEQ ...]`: milliseconds and GFLOP/s of the WASM attention
// op (B=1, 8 heads, head size 64, self-attention of SEQ tokens, default 256 and 1024) in its three
// forms: static shapes (the GEMM path, attention-gemm.ts), a symbolic sequence length (the
// streaming online-softmax kernel, attention.ts), and the same computation written as
// transpose + matmul + mul + softmax + matmul. Not a vitest file. Single-threaded; the machine is
// shared, so each figure is the median of 5 runs after a warm-up. Exit status 1 when the three
// outputs disagree (|a - b| > 1e-4 + 1e-3 |b|).

import { parseModule } from '../../ir/parser.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';

const H = 8, D = 64;
const ty = (s: readonly (number | string)[]): string => `f32[${s.join(',')}]`;

function forms(S: number): Record<string, string> {
  const q = [1, H, S, D], sym = [1, H, 's', D];
  const one = (t: readonly (number | string)[]): string => `module @m {
  func @main(%q: ${ty(t)}, %k: ${ty(t)}, %v: ${ty(t)}) -> (%y: ${ty(t)}) {
    %y = attention(%q, %k, %v) : ${ty(t)}
    return %y
  }
}`;
  const chain = `module @m {
  func @main(%q: ${ty(q)}, %k: ${ty(q)}, %v: ${ty(q)}) -> (%y: ${ty(q)}) {
    %kt = transpose(%k) {perm = [0, 1, 3, 2]} : ${ty([1, H, D, S])}
    %s = matmul(%q, %kt) : ${ty([1, H, S, S])}
    %c = const {value = dense<0.125> : f32[]} : f32[]
    %s2 = mul(%s, %c) : ${ty([1, H, S, S])}
    %p = softmax(%s2) {axis = -1} : ${ty([1, H, S, S])}
    %y = matmul(%p, %v) : ${ty(q)}
    return %y
  }
}`;
  return { 'attention (gemm path)': one(q), 'attention (streaming, symbolic s)': one(sym), 'matmul+softmax chain': chain };
}

async function run(text: string, S: number): Promise<{ ms: number; y: Float32Array }> {
  const c = await compileWasm(parseModule(text, { file: 'bench.ir' }), { passes: 'O2' });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const dims = [1, H, S, D], n = H * S * D;
  const feed: Record<string, RunTensor> = {};
  ['q', 'k', 'v'].forEach((x, j) => (feed[x] = { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + j)), dims }));
  let y = (await cm.run(feed))['y']!.data as Float32Array;
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    y = (await cm.run(feed))['y']!.data as Float32Array;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[2]!, y };
}

let ok = true;
const seqs = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const S of seqs.length ? seqs : [256, 1024]) {
  const flops = 4 * H * S * S * D;
  let ref: Float32Array | undefined;
  for (const [name, text] of Object.entries(forms(S))) {
    const { ms, y } = await run(text, S);
    const bad = ref ? y.findIndex((v, i) => !(Math.abs(v - ref![i]!) <= 1e-4 + 1e-3 * Math.abs(ref![i]!))) : -1;
    ref ??= y;
    if (bad >= 0) ok = false;
    console.log(`S=${S} ${name.padEnd(34)} ${ms.toFixed(2).padStart(9)} ms ${(flops / ms / 1e6).toFixed(2).padStart(7)} GFLOP/s${bad >= 0 ? `  MISMATCH at ${bad}` : ''}`);
  }
}
process.exit(ok ? 0 : 1);
