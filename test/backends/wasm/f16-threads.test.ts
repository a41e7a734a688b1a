// f16 ops (through their f32 kernels, dtype-promote.ts) in the threaded module variant: compiled
// so that every op big enough to split would be split (threadMinWork 0), 2 and 3 threads give the
// same bits as model.wasm, which itself agrees with the interpreter within an f16 ulp or two.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectNear, rng } from './dtype-helpers.js';
import { interpText } from './helpers.js';

describe('wasm f16 ops on threads', () => {
  it('matmul + softmax + add on f16: identical on 1, 2 and 3 threads', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3, 7), fc.constantFrom(5, 40, 61), fc.constantFrom(8, 33), fc.integer(), async (B, S, N, seed) => {
      const T = `f16[${B},${S},${N}]`;
      const text = `module @m {
  func @main(%x: f16[${B},${S},16], %w: f16[16,${N}], %c: ${T}) -> (%y: ${T}) {
    %h = matmul(%x, %w) : ${T}
    %p = softmax(%h) {axis = -1} : ${T}
    %y = add(%p, %c) : ${T}
    return %y
  }
}`;
      const r = rng(seed);
      const mk = (s: number[]): Tensor => tensorFrom('f16', s, Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 4));
      const ins = [mk([B, S, 16]), mk([16, N]), mk([B, S, N])];
      const feed: Record<string, RunTensor> = { x: toRunTensor(ins[0]!), w: toRunTensor(ins[1]!), c: toRunTensor(ins[2]!) };
      const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', threads: true, threadMinWork: 0 });
      const single = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      const want = (await single.run(feed))['y']!;
      // Two f16 ulps against the interpreter (f32 sums in another order), as the webgpu f16 tests.
      expectNear([fromRunTensor('f16', want)], interpText(text, ins), 2 ** -9, 2 ** -7);
      const threaded = c.threads!.find((v) => v.file === 'model-threads.wasm')!;
      for (const n of [2, 3]) {
        const m = await instantiateCompiled(c.manifest, threaded.wasm, c.weights, { threads: n });
        try {
          const got = (await m.run(feed))['y']!;
          expect(Buffer.from((got.data as Uint16Array).buffer).equals(Buffer.from((want.data as Uint16Array).buffer)), `${n} threads, [${B},${S},${N}]`).toBe(true);
        } finally {
          m.dispose();
        }
      }
    }), { numRuns: 6 });
  });
});
