// What both compiled backends say when they refuse a model for its dims: an ONNX graph input
// dim with neither a size nor a name is blamed on that input (was: on its first consumer, "%y of
// relu", with advice to "run fold-constants first", which O2 already does); an op whose output
// size depends on input values (NonZero, Unique, Compress, NonMaxSuppression) inside an If/Loop/Scan
// body or on an operand of unknown rank is named with that reason on both backends (webgpu blamed
// the op after it for an unknown dim). The interpreter runs the models (the refusal is the
// backends' limit, not a broken model).

import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type GraphSpec, type ModelSpec, type NodeSpec } from '../../src/onnx/writer.js';

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

  // Data-sized ops are counted at run time at the top level on operands of known shape
  // (src/backends/data-dims.ts); inside an If/Loop/Scan body, or on an operand of unknown rank,
  // both backends refuse them by name, with that reason. Each op's result feeds a Neg, so its
  // unknown dim reaches a later op the old webgpu check blamed.
  const WHY = 'its output size depends on the input values: counted at run time only at the top level of the graph, on operands whose dims are all known or symbolic';
  const nzBranch = (neg: boolean): GraphSpec => ({
    inputs: [], outputs: [{ name: 'o', dtype: 'i64', shape: [1, ''] }],
    nodes: neg
      ? [{ opType: 'Neg', inputs: ['x'], outputs: ['nx'], name: 'neg_else' }, { opType: 'NonZero', inputs: ['nx'], outputs: ['o'], name: 'nz_else' }]
      : [{ opType: 'NonZero', inputs: ['x'], outputs: ['o'], name: 'nz_then' }],
  });
  // NonZero inside a body: `pass` ([body input, body output, dtype]) passed through, the count summed into a static output.
  const countBody = (inputs: GraphSpec['inputs'], pass: readonly (readonly [string, string, 'bool' | 'f32'])[], of: string): GraphSpec => ({
    inputs, outputs: [...pass.map(([, o, dtype]) => ({ name: o, dtype, shape: dtype === 'bool' ? [] : [3] })), { name: 'cnt', dtype: 'i64', shape: [] }],
    nodes: [
      ...pass.map(([i, o]) => ({ opType: 'Identity', inputs: [i], outputs: [o] })),
      { opType: 'NonZero', inputs: [of], outputs: ['nz'], name: 'nz_body' },
      { opType: 'ReduceSum', inputs: ['nz'], outputs: ['cnt'], attrs: { keepdims: 0 } },
    ],
  });
  const IN_BODY: Record<string, { spec: ModelSpec; nodes: string[]; inputs: () => Tensor[] }> = {
    if: {
      spec: {
        opset: 17, inputs: [{ name: 'c', dtype: 'bool', shape: [] }, { name: 'x', dtype: 'f32', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'i64' }],
        nodes: [{ opType: 'If', inputs: ['c'], outputs: ['t'], name: 'if0', attrs: { then_branch: nzBranch(false), else_branch: nzBranch(true) } }, { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' }],
      },
      nodes: ['nz_then', 'nz_else'],
      inputs: () => [tensorFrom('bool', [], [1]), tensorFrom('f32', [4], [0, 2, 0, -1])],
    },
    loop: {
      spec: {
        opset: 17, inputs: [{ name: 'a0', dtype: 'f32', shape: [3] }], outputs: [{ name: 'a', dtype: 'f32', shape: [3] }, { name: 'k', dtype: 'i64' }],
        initializers: [{ name: 'n', tensor: tensorFrom('i64', [], [2n]) }],
        nodes: [{
          opType: 'Loop', inputs: ['n', '', 'a0'], outputs: ['a', 'k'], name: 'loop0',
          attrs: { body: countBody([{ name: 'i', dtype: 'i64', shape: [] }, { name: 'ci', dtype: 'bool', shape: [] }, { name: 'ai', dtype: 'f32', shape: [3] }], [['ci', 'co', 'bool'], ['ai', 'ao', 'f32']], 'ai') },
        }],
      },
      nodes: ['nz_body'],
      inputs: () => [tensorFrom('f32', [3], [1, 0, 2])],
    },
    scan: {
      spec: {
        opset: 17, inputs: [{ name: 's0', dtype: 'f32', shape: [3] }, { name: 'x', dtype: 'f32', shape: [4, 3] }], outputs: [{ name: 's', dtype: 'f32', shape: [3] }, { name: 'k', dtype: 'i64' }],
        nodes: [{
          opType: 'Scan', inputs: ['s0', 'x'], outputs: ['s', 'k'], name: 'scan0',
          attrs: { num_scan_inputs: 1, body: countBody([{ name: 'si', dtype: 'f32', shape: [3] }, { name: 'xt', dtype: 'f32', shape: [3] }], [['si', 'so', 'f32']], 'xt') },
        }],
      },
      nodes: ['nz_body'],
      inputs: () => [tensorFrom('f32', [3], [0, 1, 0]), tensorFrom('f32', [4, 3], [0, 1, 2, 0, 0, 0, 3, 3, 3, 1, 0, 1])],
    },
  };
  const expectRefused = async (spec: ModelSpec, op: string, nodes: readonly string[]): Promise<void> => {
    const where = nodes.map((n) => `m.onnx: node "${n}"`).join('; ');
    const w = await refusal(() => compileWasm(load(spec, 'm.onnx')(), {}));
    expect(w.diagnostics.map((d) => [d.code, d.message, d.notes])).toEqual([['E201', `the wasm backend does not support: ${op} (${WHY})`, [`${op} (${WHY}): ${where}`]]]);
    const g = await refusal(() => compileWebGpu(load(spec, 'm.onnx')(), {}));
    expect(g.diagnostics.map((d) => [d.code, d.message, d.notes])).toEqual([['E205', `the webgpu backend cannot size the results of: ${op} (${WHY})`, [`${op}: ${where}`]]]);
    for (const e of [w, g]) expect(String(e)).not.toMatch(/fold-constants|neg0|neg_else/);
  };
  for (const [where, c] of Object.entries(IN_BODY)) {
    it(`nonzero inside ${where === 'if' ? 'both branches of an If' : `a ${where[0]!.toUpperCase()}${where.slice(1)} body`}: both backends refuse it, naming the node`, async () => {
      await expectRefused(c.spec, 'nonzero', c.nodes);
      // The interpreter runs it: the refusal is the backends' limit, not a broken model.
      expect(interpret(load(c.spec, 'm.onnx')(), c.inputs()).length).toBe(c.spec.outputs.length);
    });
  }

  // An operand of unknown rank (reshaped to a shape read from input data of symbolic length).
  const unranked = (opType: string, extra: Partial<ModelSpec> = {}, attrs?: NodeSpec['attrs']): ModelSpec => ({
    opset: 17, outputs: [{ name: 'y', dtype: opType === 'NonZero' ? 'i64' : 'f32' }],
    inputs: [{ name: 'x', dtype: 'f32', shape: [12] }, { name: 's', dtype: 'i64', shape: ['k'] }, ...(extra.inputs ?? [])],
    nodes: [
      { opType: 'Reshape', inputs: ['x', 's'], outputs: ['r'], name: 'reshape0' },
      { opType, inputs: ['r', ...(extra.inputs ?? []).map((i) => i.name)], outputs: ['t'], name: 'op0', ...(attrs ? { attrs } : {}) },
      { opType: 'Neg', inputs: ['t'], outputs: ['y'], name: 'neg0' },
    ],
  });
  const UNRANKED: Record<string, ModelSpec> = {
    nonzero: unranked('NonZero'),
    unique: unranked('Unique'),
    compress: unranked('Compress', { inputs: [{ name: 'c', dtype: 'bool', shape: [3] }] }, { axis: 0 }),
  };
  for (const [op, spec] of Object.entries(UNRANKED)) {
    it(`${op} of an operand of unknown rank: both backends refuse it, naming the node`, async () => {
      await expectRefused(spec, op, ['op0']);
    });
  }
  // Buffers are placed for each count at its bound: a value that shrinks as a count grows would
  // outgrow its place at a smaller count (the runtime would refuse it, E501, mid-run).
  it('a value that shrinks as a count grows (x[count:]) is refused at compile time on both backends, naming it', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[n]) -> (%v: f32[?]) {',
      '    %nz = nonzero(%x) : i64[1,?]',
      '    %s = shape(%nz) {start = 1} : i64[1]',
      '    %e = const {value = dense<[100]> : i64[1]} : i64[1]',
      '    %v = slice(%x, %s, %e) : f32[?]',
      '    return %v',
      '  }',
      '}',
    ].join('\n');
    const x = tensorFrom('f32', [6], [0, 1, 0, 2, 3, 0]);
    expect(Array.from(interpret(parseModule(text, { file: 't.ir' }), [x])[0]!.data as Float32Array)).toEqual([2, 3, 0]);
    for (const [name, compile] of Object.entries(BACKENDS)) {
      const e = await refusal(() => compile(parseModule(text, { file: 't.ir' })));
      expect(e.diagnostics.map((d) => [d.code, d.message])).toEqual([['E205',
        `the ${name} backend cannot place %v of slice: its dim 'max(min(n,100)-min(n,nonzero_count0),0)' shrinks as 'nonzero_count0' (the count of nonzero %nz) grows, and buffers are placed for the largest count (n)`]]);
    }
  });

  it('non_max_suppression of an operand of unknown rank is refused by the importer already (E208)', async () => {
    const spec = unranked('NonMaxSuppression', { inputs: [{ name: 'sc', dtype: 'f32', shape: [1, 1, 3] }] });
    const e = await refusal(() => load(spec, 'm.onnx')());
    expect(e.diagnostics.map((d) => [d.code, d.message])).toEqual([['E208', 'NonMaxSuppression: non_max_suppression: operand 0 must be ranked']]);
  });
});
