// Conv / MaxPool with auto_pad = SAME_UPPER / SAME_LOWER on spatial dims that are symbolic (tf2onnx
// writes auto_pad where the input's height and width are unknown): the padding depends on the
// input size, which the backends' kernels need as a number. The padding is computed in the graph
// instead, from Shape, as ONNX defines it per spatial axis:
//   out = ceil(in / s), total = max((out - 1) * s + (k - 1) * d + 1 - in, 0),
//   SAME_UPPER: begin = floor(total / 2), SAME_LOWER: begin = total - floor(total / 2), end = total - begin,
// and the op gets an explicit Pad (zeros; -inf for MaxPool) in front and no padding of its own.
// (Not for a MaxPool whose Indices are used or with ceil_mode: those keep auto_pad.)
// Static spatial dims keep auto_pad (the shape rules and kernels handle those).

import { attr } from '../../../ir/attrs.js';
import type { AttrValue, Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, OnnxNodeView } from '../mapping-api.js';
import { direct } from './helpers.js';

const ints = (v: AttrValue | undefined): readonly number[] | undefined => (v?.kind === 'ints' ? v.value : undefined);

/** The explicit pads vector [0, 0, begins..., 0, 0, ends...] (i64) for `x` of rank 2 + kernel.length. */
function samePads(b: Lowerer, x: Value, kernel: readonly number[], strides: readonly number[], dilations: readonly number[], upper: boolean): Value {
  const shape = b.emit('shape', [x])[0]!;
  const scalar = (n: number): Value => b.constInts([n], []);
  const op = (name: string, ...xs: Value[]): Value => b.emit(name, xs)[0]!;
  const begins: Value[] = [], ends: Value[] = [];
  kernel.forEach((k, i) => {
    const s = strides[i] ?? 1, d = dilations[i] ?? 1;
    const size = b.emit('gather', [shape, scalar(2 + i)], { axis: attr.int(0) })[0]!;
    const out = op('div', op('add', size, scalar(s - 1)), scalar(s));
    const span = op('add', op('mul', op('sub', out, scalar(1)), scalar(s)), scalar((k - 1) * d + 1));
    const total = op('max', op('sub', span, size), scalar(0));
    const half = op('div', total, scalar(2));
    const begin = upper ? half : op('sub', total, half);
    begins.push(b.emit('unsqueeze', [begin, b.constInts([0])])[0]!);
    ends.push(b.emit('unsqueeze', [op('sub', total, begin), b.constInts([0])])[0]!);
  });
  const zeros = b.constInts([0, 0]);
  return b.emit('concat', [zeros, ...begins, zeros, ...ends], { axis: attr.int(0) })[0]!;
}

/** `irOp` via `direct`, unless auto_pad is SAME_* on a symbolic spatial dim (see the file comment). */
export function samePadded(irOp: 'conv' | 'max_pool'): Lowering {
  const plain = direct(irOp);
  return (node: OnnxNodeView, b: Lowerer) => {
    const mode = node.attrs.get('auto_pad');
    const x = node.inputs[0];
    const xs = x?.type.shape;
    if (mode?.kind !== 'string' || (mode.value !== 'SAME_UPPER' && mode.value !== 'SAME_LOWER') || !x || !xs || xs.slice(2).every((d) => typeof d === 'number')) return plain(node, b);
    // MaxPool's Indices would count the padding; ceil_mode would change the output size.
    const ceil = node.attrs.get('ceil_mode');
    if (irOp === 'max_pool' && (node.outputUsed[1] === true || (ceil?.kind === 'int' && ceil.value !== 0))) return plain(node, b);
    const w = node.inputs[1]?.type.shape;
    const kernel = ints(node.attrs.get('kernel_shape')) ?? (irOp === 'conv' && w && w.slice(2).every((d) => typeof d === 'number') ? (w.slice(2) as number[]) : undefined);
    if (!kernel || kernel.length !== xs.length - 2) return plain(node, b);
    const r = kernel.length;
    const strides = ints(node.attrs.get('strides')) ?? new Array<number>(r).fill(1);
    const dilations = ints(node.attrs.get('dilations')) ?? new Array<number>(r).fill(1);
    const pads = samePads(b, x, kernel, strides, dilations, mode.value === 'SAME_UPPER');
    const fill = b.constant(tensorFrom(x.type.dtype, [], [irOp === 'max_pool' ? -Infinity : 0]));
    const padded = b.emit('pad', [x, pads, fill], { mode: attr.string('constant') })[0]!;
    const attrs = new Map(node.attrs);
    attrs.delete('auto_pad');
    attrs.set('pads', { kind: 'ints', value: new Array<number>(2 * r).fill(0) });
    return plain({ ...node, inputs: [padded, ...node.inputs.slice(1)], attrs }, b);
  };
}
