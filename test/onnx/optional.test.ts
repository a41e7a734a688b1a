// Optional tensors resolved at import time: Optional(x) is x, Optional() and an omitted input are
// empty, OptionalHasElement folds to a bool constant, OptionalGetElement is an identity. Checked by
// interpreting the imported module; refusals (optional sequences, empty graph outputs, reading an
// empty optional) must be diagnostics naming the reason.
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { onnx } from '../../src/onnx/decode.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../src/onnx/writer.js';

const opts = { file: 'opt.onnx', baseDir: '/nonexistent' };
const AT = onnx.AttributeProto.AttributeType;

/** buildModel, then give node `node` a TYPE_PROTO attribute 'type' (the writer has no such kind). */
function withType(spec: ModelSpec, node: number, type: InstanceType<typeof onnx.TypeProto>): Uint8Array {
  const m = onnx.ModelProto.decode(buildModel(spec));
  m.graph!.node![node]!.attribute!.push(onnx.AttributeProto.create({ name: 'type', type: AT.TYPE_PROTO, tp: type }));
  return onnx.ModelProto.encode(m).finish();
}
const tensorType = (elemType: number) => onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType }) });
const seqType = onnx.TypeProto.create({ sequenceType: onnx.TypeProto.Sequence.create({ elemType: tensorType(1) }) });

function errorOf(f: () => unknown): TenthError {
  try {
    f();
  } catch (e) {
    if (e instanceof TenthError) return e;
    throw e;
  }
  throw new Error('expected a TenthError');
}

describe('optional tensors at import', () => {
  it('Optional(x): has an element, and OptionalGetElement gives x back', () => {
    const m = importOnnxBytes(buildModel({
      opset: 18,
      inputs: [{ name: 'x', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'has', dtype: 'bool', shape: [] }, { name: 'y', dtype: 'f32', shape: [3] }],
      nodes: [
        { opType: 'Optional', inputs: ['x'], outputs: ['o'] },
        { opType: 'OptionalHasElement', inputs: ['o'], outputs: ['has'] },
        { opType: 'OptionalGetElement', inputs: ['o'], outputs: ['g'] },
        { opType: 'Add', inputs: ['g', 'x'], outputs: ['y'] },
      ],
    }), opts);
    expect(verify(m)).toEqual([]);
    const [has, y] = interpret(m, [tensorFrom('f32', [3], [1, -2, 3.5])]);
    expect(has!.dtype).toBe('bool');
    expect(has!.shape).toEqual([]);
    expect(toNumbers(has!)).toEqual([1]);
    expect(toNumbers(y!)).toEqual([2, -4, 7]);
  });

  it('a plain tensor has an element (opset 18); an omitted or missing input and Optional() do not', () => {
    const bytes = withType({
      opset: 18,
      inputs: [{ name: 'x', dtype: 'i32', shape: [2] }],
      outputs: ['e', 't', 'omitted', 'none'].map((name) => ({ name, dtype: 'bool' as const, shape: [] })),
      nodes: [
        { opType: 'Optional', inputs: [], outputs: ['empty'] },
        { opType: 'OptionalHasElement', inputs: ['empty'], outputs: ['e'] },
        { opType: 'OptionalHasElement', inputs: ['x'], outputs: ['t'] },
        { opType: 'OptionalHasElement', inputs: [''], outputs: ['omitted'] },
        { opType: 'OptionalHasElement', inputs: [], outputs: ['none'] },
      ],
    }, 0, tensorType(6));
    const m = importOnnxBytes(bytes, opts);
    expect(verify(m)).toEqual([]);
    const outs = interpret(m, [tensorFrom('i32', [2], [4, 5])]);
    expect(outs.map((t) => toNumbers(t))).toEqual([[0], [1], [0], [0]]);
  });

  it('an empty optional seen from a subgraph is still empty', () => {
    const branch = (out: string) => ({
      inputs: [],
      outputs: [{ name: out, dtype: 'bool' as const, shape: [] }],
      nodes: [{ opType: 'OptionalHasElement', inputs: ['empty'], outputs: [out] }],
    });
    const m = importOnnxBytes(withType({
      opset: 18,
      inputs: [{ name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'r', dtype: 'bool', shape: [] }],
      nodes: [
        { opType: 'Optional', inputs: [], outputs: ['empty'] },
        { opType: 'If', inputs: ['c'], outputs: ['r'], attrs: { then_branch: branch('a'), else_branch: branch('b') } },
      ],
    }, 0, tensorType(1)), opts);
    expect(verify(m)).toEqual([]);
    expect(toNumbers(interpret(m, [tensorFrom('bool', [], [1])])[0]!)).toEqual([0]);
  });

  it('refuses what needs a run-time optional, naming the reason', () => {
    const getEmpty = errorOf(() => importOnnxBytes(withType({
      opset: 18,
      inputs: [], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Optional', inputs: [], outputs: ['o'] }, { opType: 'OptionalGetElement', inputs: ['o'], outputs: ['y'] }],
    }, 0, tensorType(1)), opts));
    expect(getEmpty.message).toMatch(/OptionalGetElement: the optional input holds no element/);

    const seq = errorOf(() => importOnnxBytes(withType({
      opset: 18,
      inputs: [], outputs: [{ name: 'h', dtype: 'bool' }],
      nodes: [{ opType: 'Optional', inputs: [], outputs: ['o'] }, { opType: 'OptionalHasElement', inputs: ['o'], outputs: ['h'] }],
    }, 0, seqType), opts));
    expect(seq.code).toBe('E109');
    expect(seq.message).toMatch(/Optional: optional sequence\(tensor\(f32\)\) values are not supported/);

    const out = errorOf(() => importOnnxBytes(withType({
      opset: 18,
      inputs: [], outputs: [{ name: 'o', dtype: 'f32' }],
      nodes: [{ opType: 'Optional', inputs: [], outputs: ['o'] }],
    }, 0, tensorType(1)), opts));
    expect(out.code).toBe('E109');
    expect(out.message).toMatch(/graph output 'o' is an empty optional/);

    // An optional graph input: present or not is decided by the caller, at run time.
    const m = onnx.ModelProto.decode(buildModel({
      opset: 18, inputs: [{ name: 'x', dtype: 'f32', shape: [2] }], outputs: [{ name: 'h', dtype: 'bool' }],
      nodes: [{ opType: 'OptionalHasElement', inputs: ['x'], outputs: ['h'] }],
    }));
    m.graph!.input![0]!.type = onnx.TypeProto.create({ optionalType: onnx.TypeProto.Optional.create({ elemType: tensorType(1) }) });
    const input = errorOf(() => importOnnxBytes(onnx.ModelProto.encode(m).finish(), opts));
    expect(input.code).toBe('E109');
    expect(input.message).toMatch(/value 'x' is optional\(tensor\(f32\)\); optional values whose presence is known only at run time/);
  });
});
