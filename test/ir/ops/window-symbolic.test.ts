// Symbolic spatial sizes through the window ops (zoo bug: conv/pool/conv_transpose/resize on
// [1,2,h,w] gave [1,2,?,?], so no CNN over a dynamic height/width compiled for wasm). The shape
// rules now give expressions; each must evaluate, at every binding, to the size the same op infers
// for that static input (windowDim, the reference the interpreter runs), and the WASM backend must
// compile the model once and match the interpreter at several bindings.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { windowDim, windowDimSym, type AutoPad, type WindowAttrs } from '../../../ir/ops/nn-common.js';
import { evalDim } from '../../../ir/symbolic.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type NodeSpec } from '../../../src/onnx/writer.js';
import { instantiateCompiled } from '../../../src/runtime/index.js';

const win = fc.record({
  k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 3 }),
  pb: fc.integer({ min: 0, max: 4 }), pe: fc.integer({ min: 0, max: 4 }), ceil: fc.boolean(),
  autoPad: fc.constantFrom<AutoPad>('NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'),
});
const attrsOf = (a: { k: number; s: number; d: number; pb: number; pe: number; ceil: boolean; autoPad: AutoPad }): WindowAttrs =>
  ({ kernel: [a.k], strides: [a.s], dilations: [a.d], pads: [a.pb, a.pe], autoPad: a.autoPad, ceil: a.ceil });

const outShape = (bytes: Uint8Array): Dim[] => {
  const m = importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' });
  return [...m.main.body.terminator!.operands[0]!.type.shape!];
};
const weight = (shape: number[]): Tensor =>
  tensorFrom('f32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.7) / 2));
const model = (node: NodeSpec, x: Dim[], inits: { name: string; tensor: Tensor }[] = []): Uint8Array =>
  buildModel({ opset: 19, inputs: [{ name: 'x', dtype: 'f32', shape: x }], outputs: [{ name: 'y', dtype: 'f32' }], initializers: inits, nodes: [node] });

describe('window shape rules with symbolic sizes', () => {
  it('windowDimSym evaluates to windowDim at every size (all pads, strides, dilations, auto_pad, ceil_mode)', () => {
    fc.assert(fc.property(win, (a) => {
      const w = attrsOf(a);
      const e = windowDimSym(w, 0, 'h');
      expect(e).not.toBe('?');
      for (let h = 0; h <= 37; h++) expect(evalDim(e, (n) => (n === 'h' ? h : undefined)), `h=${h} ${JSON.stringify(a)} -> ${e}`).toBe(windowDim(w, 0, h).out);
    }), { numRuns: 300 });
  });

  it('keeps plain names where the size does not change and gives compact expressions', () => {
    const w = (k: number, s: number, p: number): WindowAttrs => ({ kernel: [k], strides: [s], dilations: [1], pads: [p, p], autoPad: 'NOTSET', ceil: false });
    expect(windowDimSym(w(3, 1, 1), 0, 'h')).toBe('h');
    expect(windowDimSym(w(1, 1, 0), 0, 'height of image')).toBe('height of image');
    expect(windowDimSym(w(2, 2, 0), 0, 'h')).toBe('floordiv(h,2)');
    expect(windowDimSym(w(3, 2, 1), 0, '?')).toBe('?');
  });

  const ops: [string, (h: Dim, w: Dim) => Uint8Array][] = [
    ['conv k3 s2 p1', (h, w) => model({ opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }, [1, 2, h, w], [{ name: 'w', tensor: weight([3, 2, 3, 3]) }])],
    ['conv k2 d2 s3', (h, w) => model({ opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [3, 1], dilations: [2, 2] } }, [1, 2, h, w], [{ name: 'w', tensor: weight([2, 2, 2, 2]) }])],
    ['max_pool k3 s2 ceil', (h, w) => model({ opType: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, pads: [0, 1, 1, 0] } }, [1, 2, h, w])],
    ['average_pool k2 s2', (h, w) => model({ opType: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, [1, 2, h, w])],
    ['conv_transpose k3 s2 p1 op1', (h, w) => model({ opType: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } }, [1, 2, h, w], [{ name: 'w', tensor: weight([2, 3, 3, 3]) }])],
    ['conv_transpose k2 s2', (h, w) => model({ opType: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, [1, 2, h, w], [{ name: 'w', tensor: weight([2, 2, 2, 2]) }])],
    ['resize nearest x2', (h, w) => model({ opType: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }, [1, 2, h, w], [{ name: 's', tensor: tensorFrom('f32', [4], [1, 1, 2, 2]) }])],
    ['resize linear x1.5, x0.5', (h, w) => model({ opType: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: { mode: 'linear' } }, [1, 2, h, w], [{ name: 's', tensor: tensorFrom('f32', [4], [1, 1, 1.5, 0.5]) }])],
  ];
  const bindings = [[4, 6], [7, 5], [9, 12], [3, 11]] as const;

  for (const [label, make] of ops) {
    it(`${label}: symbolic shape = static shape at every binding; wasm compiles once and matches the interpreter`, async () => {
      const sym = outShape(make('h', 'w'));
      expect(sym.slice(2)).not.toContain('?');
      const bytes = make('h', 'w');
      const c = await compileWasm(importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' }));
      const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      const m = importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' });
      for (const [h, w] of bindings) {
        const stat = outShape(make(h, w));
        expect(sym.map((d) => evalDim(d, (n) => (n === 'h' ? h : n === 'w' ? w : undefined))), `${label} at h=${h} w=${w}`).toEqual(stat);
        const x = tensorFrom('f32', [1, 2, h, w], Float32Array.from({ length: 2 * h * w }, (_, i) => Math.sin(i * 1.7)));
        const want = interpret(m, [x])[0]!;
        const got = (await cm.run({ x: { data: x.data as Float32Array, dims: [1, 2, h, w] } }))['y']!;
        expect(got.dims).toEqual(want.shape);
        const a = got.data as Float32Array, b = want.data as Float32Array;
        for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!), `${label} h=${h} w=${w} element ${i}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(b[i]!));
      }
    });
  }
});
