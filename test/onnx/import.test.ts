// Importer structure: names, initializers, Identity aliasing, model-local function inlining.
import { describe, expect, it } from 'vitest';
import { walkOps } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { formatType } from '../../ir/types.js';
import { verify } from '../../ir/verify.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { MAPPINGS } from '../../src/onnx/mapping/index.js';
import { since } from '../../src/onnx/mapping/helpers.js';
import type { OpMapping } from '../../src/onnx/mapping-api.js';

// A lowering that returns its input unchanged (as an Identity lowering may): the importer must
// alias the output name to the existing value rather than rename it.
(MAPPINGS as Record<string, readonly OpMapping[]>)['test:PassThrough'] = [since(1, (n) => [n.inputs[0]!])];

const opts = { file: 'dir/m.onnx', baseDir: '/nonexistent' };
const vec = (vals: number[]) => tensorFrom('f32', [vals.length], vals);

describe('graph import', () => {
  it('types args from ValueInfo (symbols, unknown dims) and names results after the ONNX outputs', () => {
    const m = importOnnxBytes(buildModel({
      inputs: [{ name: 'x', dtype: 'f32', shape: ['batch', '', 3] }, { name: 'ids', dtype: 'i64', shape: ['batch'] }],
      outputs: [{ name: 'y', dtype: 'f32' }, { name: 'ids_out', dtype: 'i64' }],
      nodes: [
        { opType: 'Add', name: 'add', inputs: ['x', 'x'], outputs: ['y'] },
        { opType: 'PassThrough', domain: 'test', inputs: ['ids'], outputs: ['ids_out'] },
      ],
      opsets: { test: 1 },
    }), opts);
    expect(verify(m)).toEqual([]);
    expect(m.main.args.map((a) => `${a.name}: ${formatType(a.type)}`)).toEqual(['x: f32[batch,?,3]', 'ids: i64[batch]']);
    expect(m.main.resultNames).toEqual(['y', 'ids_out']);
    const ret = m.main.body.terminator!;
    expect(ret.operands.map((v) => v!.name)).toEqual(['y', 'ids']); // a lowering returning its input aliases it
    const add = m.main.body.ops[0]!;
    expect(add.loc).toEqual({ kind: 'node', file: 'm.onnx', node: 'add' });
    expect(m.main.body.ops[1]!.name).toBe('return'); // PassThrough emitted nothing
  });

  it('names unnamed nodes opType_index and keeps odd tensor names', () => {
    const m = importOnnxBytes(buildModel({
      inputs: [{ name: 'in put:0', dtype: 'f32', shape: [2] }],
      outputs: [{ name: '/out/y.1', dtype: 'f32', shape: [2] }],
      nodes: [{ opType: 'Add', inputs: ['in put:0', 'in put:0'], outputs: ['/out/y.1'] }],
    }), opts);
    expect(m.main.body.ops[0]!.loc).toEqual({ kind: 'node', file: 'm.onnx', node: 'Add_0' });
    expect(m.main.body.ops[0]!.results[0]!.name).toBe('/out/y.1');
    expect(toNumbers(interpret(m, [vec([1, 2])])[0]!)).toEqual([2, 4]);
  });

  it('turns initializers into inline constants (small) or weights (large); initializers listed as inputs are not args', () => {
    const small = vec([1, 2, 3]);
    const big = tensorFrom('f32', [40], Array.from({ length: 40 }, (_, i) => i));
    const typed = tensorFrom('i64', [20], Array.from({ length: 20 }, (_, i) => 2 ** 40 + i));
    const m = importOnnxBytes(buildModel({
      irVersion: 3,
      inputs: [{ name: 'x', dtype: 'f32', shape: [3] }, { name: 's', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'y' }, { name: 'b' }, { name: 't' }],
      initializers: [{ name: 's', tensor: small }, { name: 'b', tensor: big }, { name: 't', tensor: typed, typed: true }],
      nodes: [{ opType: 'Add', inputs: ['x', 's'], outputs: ['y'] }],
    }), opts);
    expect(verify(m)).toEqual([]);
    expect(m.main.args.map((a) => a.name)).toEqual(['x']);
    expect([...m.weights.keys()].sort()).toEqual(['b', 't']);
    const b = m.weights.get('b')!;
    expect(b.source.kind).toBe('file'); // raw_data: a byte range of the model file itself
    if (b.source.kind === 'file') expect(b.source.path).toBe('m.onnx');
    expect(m.weights.get('t')!.source.kind).toBe('inline'); // typed fields are re-packed
    const [y, bb, tt] = interpret(m, [vec([10, 20, 30])]);
    expect(toNumbers(y!)).toEqual([11, 22, 33]);
    expect(toNumbers(bb!)).toEqual(toNumbers(big));
    expect([...(tt!.data as BigInt64Array)]).toEqual([...(typed.data as BigInt64Array)]);
  });

  it('keeps large Constant node values as weights and small ones inline', () => {
    const table = tensorFrom('f32', [2, 20], Array.from({ length: 40 }, (_, i) => i / 4));
    const m = importOnnxBytes(buildModel({
      inputs: [], outputs: [{ name: 'big' }, { name: 'small' }],
      nodes: [
        { opType: 'Constant', inputs: [], outputs: ['big'], attrs: { value: table } },
        { opType: 'Constant', inputs: [], outputs: ['small'], attrs: { value_ints: [4, -2] } },
      ],
    }), opts);
    expect(verify(m)).toEqual([]);
    const [bigOp, smallOp] = m.main.body.ops;
    expect(bigOp!.attrs.get('value')!.kind).toBe('weight');
    expect(smallOp!.attrs.get('value')!.kind).toBe('tensor');
    const [big, small] = interpret(m, []);
    expect(big!.shape).toEqual([2, 20]);
    expect(toNumbers(big!)).toEqual(toNumbers(table));
    expect(small!.dtype).toBe('i64');
    expect(toNumbers(small!)).toEqual([4, -2]);
  });

  it('keeps value names unique when a subgraph reuses an outer name', () => {
    const branch = (op: string) => ({
      inputs: [], outputs: [{ name: 'x', dtype: 'f32' as const, shape: [2] }],
      nodes: [{ opType: op, inputs: ['a', 'a'], outputs: ['x'] }],
    });
    const m = importOnnxBytes(buildModel({
      inputs: [{ name: 'a', dtype: 'f32', shape: [2] }, { name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'x', dtype: 'f32', shape: [2] }],
      nodes: [{ opType: 'If', inputs: ['c'], outputs: ['x'], attrs: { then_branch: branch('Add'), else_branch: branch('Mul') } }],
    }), opts);
    expect(verify(m)).toEqual([]);
    const names = [...walkOps(m.main.body)].flatMap((o) => o.results.map((r) => r.name));
    expect(new Set(names).size).toBe(names.length);
    expect(toNumbers(interpret(m, [vec([3, 4]), tensorFrom('bool', [], [1])])[0]!)).toEqual([6, 8]);
    expect(toNumbers(interpret(m, [vec([3, 4]), tensorFrom('bool', [], [0])])[0]!)).toEqual([9, 16]);
  });
});

describe('model-local functions', () => {
  it('inlines calls with attribute references, defaults and nested calls', () => {
    const bytes = buildModel({
      opsets: { custom: 1 },
      inputs: [{ name: 'x', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [3] }, { name: 'w', dtype: 'f32', shape: [3] }],
      nodes: [
        { opType: 'Twice', domain: 'custom', name: 'call1', inputs: ['x'], outputs: ['y'] },
        { opType: 'ScaleAdd', domain: 'custom', name: 'call2', inputs: ['x', 'y'], outputs: ['w'], attrs: { alpha: { float: 0.5 } } },
      ],
      functions: [
        {
          // out = alpha * a + b
          name: 'ScaleAdd', domain: 'custom', inputs: ['a', 'b'], outputs: ['out'], attributes: ['alpha'],
          attributeDefaults: { alpha: { float: 2 } },
          nodes: [
            { opType: 'Constant', inputs: [], outputs: ['k'], attrs: { value_float: { ref: 'alpha', type: 'float' } } },
            { opType: 'Mul', inputs: ['a', 'k'], outputs: ['t'] },
            { opType: 'Add', inputs: ['t', 'b'], outputs: ['out'] },
          ],
        },
        {
          // z = 2 * (3x + x) + x = 9x
          name: 'Twice', domain: 'custom', inputs: ['x'], outputs: ['z'],
          nodes: [
            { opType: 'ScaleAdd', domain: 'custom', inputs: ['x', 'x'], outputs: ['u'], attrs: { alpha: { float: 3 } } },
            { opType: 'ScaleAdd', domain: 'custom', inputs: ['u', 'x'], outputs: ['z'] },
          ],
        },
      ],
    });
    const m = importOnnxBytes(bytes, opts);
    expect(verify(m)).toEqual([]);
    expect(new Set(m.main.body.ops.map((o) => o.name))).toEqual(new Set(['const', 'mul', 'add', 'return']));
    const names = m.main.body.ops.flatMap((o) => o.results.map((r) => r.name));
    expect(new Set(names).size).toBe(names.length);
    const [y, w] = interpret(m, [vec([1, 2, -4])]);
    expect(toNumbers(y!)).toEqual([9, 18, -36]);
    expect(toNumbers(w!)).toEqual([9.5, 19, -38]);
  });

  it('renames function values read inside a subgraph of the body', () => {
    const branch = (op: string) => ({ inputs: [], outputs: [{ name: 'r' }], nodes: [{ opType: op, inputs: ['v', 'v'], outputs: ['r'] }] });
    const m = importOnnxBytes(buildModel({
      opsets: { lib: 1 },
      inputs: [{ name: 'v', dtype: 'f32', shape: [2] }, { name: 'x', dtype: 'f32', shape: [2] }, { name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'y' }],
      nodes: [{ opType: 'Pick', domain: 'lib', inputs: ['x', 'c'], outputs: ['y'] }],
      functions: [{
        // Inside the function, 'v' is x + 1; the outer graph's own 'v' must not leak in.
        name: 'Pick', domain: 'lib', inputs: ['a', 'cond'], outputs: ['out'],
        nodes: [
          { opType: 'Constant', inputs: [], outputs: ['one'], attrs: { value_float: { float: 1 } } },
          { opType: 'Add', inputs: ['a', 'one'], outputs: ['v'] },
          { opType: 'If', inputs: ['cond'], outputs: ['out'], attrs: { then_branch: branch('Add'), else_branch: branch('Mul') } },
        ],
      }],
    }), opts);
    expect(verify(m)).toEqual([]);
    const x = vec([1, 2]), v = vec([100, 100]);
    expect(toNumbers(interpret(m, [v, x, tensorFrom('bool', [], [1])])[0]!)).toEqual([4, 6]);
    expect(toNumbers(interpret(m, [v, x, tensorFrom('bool', [], [0])])[0]!)).toEqual([4, 9]);
  });
});
