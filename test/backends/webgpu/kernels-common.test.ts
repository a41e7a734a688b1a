// kernels/common.ts helpers that decide numbers at compile time: auto_pad resolution (against
// the interpreter's windowDim, ir/ops/nn-common.ts), axesOf; and ir/ops/quant.ts's widerFloat,
// which the webgpu dequantize uses (f64, then f32, else the wider, the first on a tie).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../ir/ir.js';
import type { KernelCtx } from '../../../src/backends/webgpu/kernel-api.js';
import { type AutoPad, windowDim, type WindowAttrs } from '../../../ir/ops/nn-common.js';
import { widerFloat } from '../../../ir/ops/quant.js';
import { autoPads, axesOf } from '../../../src/backends/webgpu/kernels/common.js';

const opWith = (attrs: Record<string, unknown>): Op => ({ name: 'max_pool', attrs: new Map(Object.entries(attrs).map(([n, v]) => [n, { value: v }])) }) as unknown as Op;
const k = { fail: (_op: Op, m: string): never => { throw new Error(m); } } as unknown as KernelCtx;

describe('webgpu kernels/common', () => {
  it('autoPads resolves pads as the interpreter windowDim does (SAME_UPPER / SAME_LOWER / VALID / NOTSET, with or without pads)', () => {
    const axis = fc.record({ x: fc.integer({ min: 1, max: 13 }), k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }) });
    fc.assert(fc.property(fc.array(axis, { minLength: 1, maxLength: 3 }), fc.constantFrom<AutoPad>('SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET'), fc.boolean(), (ax, mode, withPads) => {
      const xs = ax.map((a) => a.x);
      const pads = ax.flatMap((_a, i) => [i, i + 1]);
      const [b, e] = autoPads(k, opWith({ auto_pad: mode, ...(withPads ? { pads } : {}) }), xs, ax.map((a) => a.k), ax.map((a) => a.s), ax.map((a) => a.d));
      const w: WindowAttrs = { kernel: ax.map((a) => a.k), strides: ax.map((a) => a.s), dilations: ax.map((a) => a.d), pads: withPads ? pads : pads.map(() => 0), autoPad: mode, ceil: false };
      ax.forEach((a, i) => {
        const want = windowDim(w, i, a.x);
        expect([b[i], e[i]]).toEqual([want.pb, want.pe]);
      });
    }), { numRuns: 200 });
    // ONNX: VALID means no padding, whatever `pads` says.
    expect(autoPads(k, opWith({ auto_pad: 'VALID', pads: [1, 2] }), [5], [3], [1], [1])).toEqual([[0], [0]]);
    expect(() => autoPads(k, opWith({ auto_pad: 'SAME_UPPER' }), ['n'], [3], [1], [1])).toThrow(/max_pool: auto_pad needs static spatial sizes/);
  });

  it('axesOf counts negative axes from the end; all axes by default', () => {
    expect(axesOf(opWith({ axes: [-1, 0] }), 3)).toEqual([2, 0]);
    expect(axesOf(opWith({}), 3)).toEqual([0, 1, 2]);
    expect(axesOf(opWith({}), 4, [0, 2, 3])).toEqual([0, 2, 3]);
  });

  it('widerFloat: f64, then f32, else the wider (the first on a tie)', () => {
    expect(widerFloat('f16', 'f64')).toBe('f64');
    expect(widerFloat('bf16', 'f32')).toBe('f32');
    expect(widerFloat('f16', 'bf16')).toBe('f16');
    expect(widerFloat('bf16', 'f16')).toBe('bf16');
    expect(widerFloat('f8e4m3fn', 'f16')).toBe('f16');
    expect(widerFloat('f8e5m2', 'f4e2m1')).toBe('f8e5m2');
  });
});
