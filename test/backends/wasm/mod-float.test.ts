// Float Mod through the wasm backend is exact: the same bits as the interpreter (JS %, and the
// divisor's sign for fmod=0) for random and special operands, f32 and f64.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { interpText, runWasm } from './helpers.js';

const special = [0, -0, 1, -1, 0.5, 3, -3, 7.25, 1e-30, -1e-30, 1e30, -1e30, 3.4e38, 1.4e-45, Infinity, -Infinity, NaN];
const mod = (dt: string, n: number, fmod: number): string =>
  `module @m {\n  func @main(%a: ${dt}[${n}], %b: ${dt}[${n}]) -> (%y: ${dt}[${n}]) {\n    %y = mod(%a, %b) {fmod = ${fmod}} : ${dt}[${n}]\n    return %y\n  }\n}`;
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('mod on floats (wasm)', () => {
  for (const dt of ['f32', 'f64'] as const) {
    it(`${dt}: bit-exact with the interpreter, both fmod modes`, async () => {
      const value = fc.oneof(fc.constantFrom(...special), dt === 'f32' ? fc.float().map((x) => x) : fc.double());
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 1), async (pairs, fmod) => {
        const n = pairs.length;
        const a = tensorFrom(dt, [n], pairs.map((p) => p[0])), b = tensorFrom(dt, [n], pairs.map((p) => p[1]));
        const text = mod(dt, n, fmod);
        const [got] = await runWasm(text, [a, b]);
        const [want] = interpText(text, [a, b]);
        for (let i = 0; i < n; i++) {
          const g = (got!.data as Float32Array)[i]!, w = (want!.data as Float32Array)[i]!;
          if (!same(g, w)) expect.fail(`mod(${pairs[i]![0]}, ${pairs[i]![1]}) fmod=${fmod}: got ${g}, want ${w}`);
        }
      }), { numRuns: 25 });
    });
  }
});
