// fast-check on Dawn + SwiftShader: the pad kernel (kernels/pad.ts) against the interpreter, for
// every mode, negative pads (crops), shapes of 1 and odd sizes, a fill value read at run time; and
// pads given as an i64 graph input, where the result dims are run-time dims (dynamic-dims.ts)
// evaluated by the runtime: one compiled artifact runs several pads.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileText, expectClose, fmtShape, interpText, rand, runCompiled } from './helpers.js';

const size = fc.constantFrom(1, 2, 3, 5, 7);
const MODES = ['constant', 'edge', 'wrap', 'reflect'] as const;

/** Pads (begins..., ends...) valid for the shape and mode, from raw draws in [-2, 3]. */
function fitPads(shape: readonly number[], raw: readonly number[], mode: string): number[] {
  const r = shape.length;
  const b = shape.map((_d, a) => raw[a]!), e = shape.map((_d, a) => raw[a + 3]!);
  shape.forEach((d, a) => {
    // Keep at least one input element on the axis (the modular modes need one) and a non-empty result.
    while (d - Math.max(0, -b[a]!) - Math.max(0, -e[a]!) < 1) { if (b[a]! < 0) b[a]!++; else e[a]!++; }
  });
  return [...b, ...e].slice(0, 2 * r);
}

const outShape = (shape: readonly number[], p: readonly number[]): number[] => shape.map((d, a) => d + p[a]! + p[a + shape.length]!);

describe('webgpu pad kernel vs interpreter (fast-check)', () => {
  it('constant pads, every mode, crops, fill value as a run-time input', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(size, { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 6, maxLength: 6 }),
      fc.constantFrom(...MODES), fc.integer(),
      async (shape, raw, mode, seed) => {
        const pads = fitPads(shape, raw, mode);
        const y = outShape(shape, pads);
        const text = [
          'module @m {',
          `  func @main(%x: ${fmtShape(shape)}, %c: f32[]) -> (%y: ${fmtShape(y)}) {`,
          `    %p = const {value = dense<[${pads.join(', ')}]> : i64[${pads.length}]} : i64[${pads.length}]`,
          `    %y = pad(%x, %p, %c) {mode = "${mode}"} : ${fmtShape(y)}`,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        const inputs = [rand(shape, seed), tensorFrom('f32', [], [0.5 + (seed % 7)])];
        expectClose(await runCompiled(compileText(text), inputs), interpText(text, inputs));
      },
    ), { numRuns: 10, seed: 11 });
  }, 30_000);

  it('pads as a graph input: one artifact, run-time result dims, several pads', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(size, { minLength: 2, maxLength: 2 }), fc.constantFrom(...MODES),
      fc.array(fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 6, maxLength: 6 }), { minLength: 2, maxLength: 3 }), fc.integer(),
      async (shape, mode, draws, seed) => {
        const ys = [0, 1].map((a) => `"%p[${a}]+%p[${a + 2}]+${shape[a]}"`);
        const text = [
          'module @m {',
          `  func @main(%x: ${fmtShape(shape)}, %p: i64[4]) -> (%y: f32[${ys.join(',')}]) {`,
          `    %y = pad(%x, %p) {mode = "${mode}"} : f32[${ys.join(',')}]`,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        const c = compileText(text);
        for (const raw of draws) {
          const pads = fitPads(shape, [raw[0]!, raw[1]!, 0, raw[3]!, raw[4]!, 0], mode);
          const inputs = [rand(shape, seed), tensorFrom('i64', [4], pads.map(BigInt))];
          expectClose(await runCompiled(c, inputs), interpText(text, inputs));
        }
      },
    ), { numRuns: 6, seed: 12 });
  }, 30_000);
});
