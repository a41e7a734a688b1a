// What both compiled backends say when they refuse a model for its dims: an ONNX graph input
// dim with neither a size nor a name is blamed on that input (was: on its first consumer, "%y of
// relu", with advice to "run fold-constants first", which O2 already does); an op whose output
// size depends on input values (NonZero, Unique, Compress, NonMaxSuppression) is named with that
// reason on both backends (webgpu blamed the op after it for an unknown dim). The interpreter runs
// both models (the refusal is the backends' limit, not a broken model).

import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../src/onnx/writer.js';

const load = (spec: ModelSpec, file: string) => () => importOnnxBytes(buildModel(spec), { file, baseDir: '.' });

async function refusal(compile: () => unknown): Promise<TenthError> {
  try { await compile(); } catch (e) {
    expect(e).toBeInstanceOf(TenthError);
    return e as TenthError;
  }
  throw new Error('compiled, expected a refusal');
}
const BACKENDS = {
  wasm: (m: ReturnType<ReturnType<typeof load>>) => compileWasm(m, {}),
  webgpu: (m: ReturnType<ReturnType<typeof load>>) => compileWebGpu(m, {}),
};

describe('refusals name the cause', () => {
  for (const [axis, shape] of [[0, ['', 4]], [1, ['b', '', 3]]] as const) {
    const spec: ModelSpec = {
      opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape }], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu0' }, { opType: 'Neg', inputs: ['r'], outputs: ['y'], name: 'neg0' }],
    };
    const shown = shape.map((d) => (d === '' ? '?' : d)).join(',');
    for (const [name, compile] of Object.entries(BACKENDS)) {
      it(`${name}: input dim ${axis} with no dim_value and an empty dim_param is blamed on the input, with advice to name it`, async () => {
        const e = await refusal(() => compile(load(spec, 'unnamed.onnx')()));
        const d = e.diagnostics[0]!;
        expect(d.code).toBe('E205');
        expect(String(e)).toBe(`TenthError: unnamed.onnx: error E205: the ${name} backend needs every input dim to have a size or a name: input %x dim ${axis} of [${shown}] has neither (ONNX dim with no dim_value and an empty dim_param)\n  note: ${d.notes[0]}`);
        expect(d.notes[0]).toMatch(/^name the dim in the model \(dim_param/);
        expect(String(e)).not.toMatch(/relu|fold-constants/);
      });
    }
    it(`the interpreter runs the same model (input dims [${shown}])`, () => {
      const dims = shape.map((d): number => (d === '' ? 2 : d === 'b' ? 1 : d));
      const x = tensorFrom('f32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i - 3));
      expect(Array.from(interpret(load(spec, 'unnamed.onnx')(), [x])[0]!.data as Float32Array)).toEqual(Array.from(x.data as Float32Array, (v) => -Math.max(v, 0)));
    });
  }

  // Each op feeds a Neg, so its unknown dim reaches a later op the old webgpu check blamed.
  const DATA_SIZED: Record<string, ModelSpec> = {
    nonzero: {
      opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'i64' }],
      nodes: [{ opType: 'NonZero', inputs: ['x'], outputs: ['t'], name: 'op0' }, { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' }],
    },
    unique: {
      opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Unique', inputs: ['x'], outputs: ['t'], name: 'op0' }, { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' }],
    },
    compress: {
      opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }, { name: 'c', dtype: 'bool', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Compress', inputs: ['x', 'c'], outputs: ['t'], name: 'op0', attrs: { axis: 0 } }, { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' }],
    },
    non_max_suppression: {
      opset: 17, inputs: [{ name: 'b', dtype: 'f32', shape: [1, 'n', 4] }, { name: 's', dtype: 'f32', shape: [1, 1, 'n'] }], outputs: [{ name: 'y', dtype: 'i64' }],
      nodes: [{ opType: 'NonMaxSuppression', inputs: ['b', 's'], outputs: ['t'], name: 'op0' }, { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' }],
    },
  };
  for (const [op, spec] of Object.entries(DATA_SIZED)) {
    it(`${op}: both backends say its output size depends on the input values, naming the node`, async () => {
      const w = await refusal(() => compileWasm(load(spec, 'm.onnx')(), {}));
      expect(w.diagnostics[0]!.code).toBe('E201');
      expect(w.diagnostics[0]!.message).toBe(`the wasm backend does not support: ${op} (its output size depends on the input values)`);
      expect(w.diagnostics[0]!.notes).toEqual([`${op} (its output size depends on the input values): m.onnx: node "op0"`]);
      const g = await refusal(() => compileWebGpu(load(spec, 'm.onnx')(), {}));
      expect(g.diagnostics[0]!.code).toBe('E205');
      expect(g.diagnostics[0]!.message).toBe(`the webgpu backend cannot size the results of: ${op} (its output size depends on the input values)`);
      expect(g.diagnostics[0]!.notes).toEqual([`${op}: m.onnx: node "op0"`]);
      for (const e of [w, g]) expect(String(e)).not.toMatch(/fold-constants|neg/);
    });
  }
});
