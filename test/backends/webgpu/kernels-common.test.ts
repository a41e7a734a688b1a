// kernels/common.ts helpers that decide numbers at compile time: auto_pad resolution (against
// ONNX's rule written out: total = max(0, (out - 1) * stride + (k - 1) * dilation + 1 - in),
// SAME_UPPER puts the odd pad at the end, SAME_LOWER at the begin) and widerFloat (as
// ir/ops/quant.ts: f64, then f32, else the wider, the first on a tie).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../ir/ir.js';
import type { KernelCtx } from '../../../src/backends/webgpu/kernel-api.js';
import { autoPads, axesOf, widerFloat } from '../../../src/backends/webgpu/kernels/common.js';

const opWith = (attrs: Record<string, unknown>): Op => ({ name: 'max_pool', attrs: new Map(Object.entries(attrs).map(([n, v]) => [n, { value: v }])) }) as unknown as Op;
const k = { fail: (_op: Op, m: string): never => { throw new Error(m); } } as unknown as KernelCtx;

describe('webgpu kernels/common', () => {
  it('autoPads: SAME_UPPER / SAME_LOWER / VALID / NOTSET per axis', () => {
    const axis = fc.record({ x: fc.integer({ min: 1, max: 13 }), k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }) });
    fc.assert(fc.property(fc.array(axis, { minLength: 1, maxLength: 3 }), fc.constantFrom('SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET'), (ax, mode) => {
      const xs = ax.map((a) => a.x), ys = ax.map((a) => Math.ceil(a.x / a.s));
      const pads = ax.flatMap((_a, i) => [i, i + 1]);
      const [b, e] = autoPads(k, opWith({ auto_pad: mode, ...(mode === 'NOTSET' ? { pads } : {}) }), xs, ys, ax.map((a) => a.k), ax.map((a) => a.s), ax.map((a) => a.d));
      ax.forEach((a, i) => {
        const total = Math.max(0, (ys[i]! - 1) * a.s + (a.k - 1) * a.d + 1 - a.x);
        const want = mode === 'VALID' ? [0, 0] : mode === 'NOTSET' ? [pads[i], pads[i + ax.length]]
          : mode === 'SAME_UPPER' ? [Math.floor(total / 2), total - Math.floor(total / 2)] : [total - Math.floor(total / 2), Math.floor(total / 2)];
        expect([b[i], e[i]]).toEqual(want);
      });
    }), { numRuns: 200 });
    expect(() => autoPads(k, opWith({ auto_pad: 'SAME_UPPER' }), ['n'], [3], [3], [1], [1])).toThrow(/max_pool: auto_pad needs static spatial sizes/);
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
