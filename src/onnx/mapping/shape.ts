// ONNX -> IR mapping entries for the shape / data-movement family.
//
// IR ops follow the newest opset. Older signatures are normalised here:
// - attributes that later became inputs turn into constant operands: Slice < 10 (starts/ends/axes),
//   Squeeze/Unsqueeze < 13 (axes), Split < 13 (split), Pad < 11 (pads, value), Reshape-1 (shape),
//   Upsample-7 (scales);
// - Upsample and Resize-10 become `resize` with asymmetric coordinates; nearest rounds down along
//   growing axes and up along shrinking ones (onnxruntime's rule for these versions);
// - Scatter (deprecated) is scatter_elements; Crop (experimental, onnx 1.0-1.2) is a slice;
// - NonZero of a nonzero-filled 1-D ConstantOfShape (PyTorch's arange at opset 9/10) is a range;
// - Dropout is inference-only: training_mode true is refused (at import when constant, at run time
//   otherwise) unless ratio is 0. Dropout < 10 returns its mask in the input's dtype, built as
//   constant_of_shape(shape(x), 1).

import type { AttrValue, Value } from '../../../ir/ir.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, MappingTable, OnnxNodeView } from '../mapping-api.js';
import { attrsNowInputs, convertAttrs, direct, maxInputs, since } from './helpers.js';

const ints = (node: OnnxNodeView, name: string): readonly number[] | undefined => {
  const a = node.attrs.get(name);
  if (!a) return undefined;
  if (a.kind === 'ints') return a.value;
  if (a.kind === 'int') return [a.value];
  return undefined;
};

/**
 * A mapping that turns int-list attributes into constant operands appended after the inputs.
 * `became`: the opset where they turned into inputs; until then the node has `nInputs` inputs
 * (Split-1 excepted: it took `split` as an attribute or a second input).
 */
function attrsToOperands(irOp: string, names: readonly (string | readonly string[])[], became: number, nInputs = 1): Lowering {
  return (node, b) => {
    const first = typeof names[0] === 'string' ? names[0] : names[0]![0]!;
    maxInputs(node, b, irOp === 'split' && node.opset < 2 ? nInputs + 1 : nInputs, { what: first, opset: became });
    const operands: (Value | null)[] = node.inputs.slice(0, nInputs);
    const drop: string[] = [];
    names.forEach((n, i) => {
      const alts = typeof n === 'string' ? [n] : n;
      drop.push(...alts);
      const vals = alts.map((a) => ints(node, a)).find((v) => v !== undefined);
      // Split-1 accepted `split` either as an attribute or as a second input.
      operands.push(vals ? b.constInts(vals) : node.inputs[nInputs + i] ?? null);
    });
    while (operands.length > 1 && operands[operands.length - 1] === null) operands.pop();
    return b.emit(irOp, operands, convertAttrs(irOp, node, b, { drop }), { results: node.numOutputs });
  };
}

/** Pad 1-10: pads (or paddings) and value are attributes. */
const padLegacy: Lowering = (node, b) => {
  maxInputs(node, b, 1, { what: 'pads', opset: 11 });
  const x = node.inputs[0];
  if (!x) return b.fail('Pad needs an input');
  const pads = ints(node, 'pads') ?? ints(node, 'paddings');
  if (!pads) return b.fail("Pad needs the 'pads' attribute");
  const v = node.attrs.get('value');
  const value = v && (v.kind === 'float' || v.kind === 'int') ? v.value : 0;
  const attrs = convertAttrs('pad', node, b, { drop: ['pads', 'paddings', 'value'] });
  return b.emit('pad', [x, b.constInts(pads), b.constant(tensorFrom(x.type.dtype, [], [value]))], attrs);
};

const str = (node: OnnxNodeView, name: string, dflt: string): string => {
  const a = node.attrs.get(name);
  return a?.kind === 'string' ? a.value : dflt;
};

/**
 * Upsample-7/9 and Resize-10: asymmetric coordinates. Nearest rounds the source coordinate down
 * along an axis that grows (an integer scale repeats) but UP along one that shrinks (scale < 1):
 * that is onnxruntime's rule for these versions: Resize-10 at scale 0.75 reads pixels 0, 2, 3
 * (ceil of 0, 1.33, 2.67), not 0, 1, 2. Nearest is separable, so Resize-10 with mixed scales becomes two
 * resizes: the shrinking axes (ceil), then the growing ones (floor), each with scale 1 elsewhere.
 * Upsample's scales are all >= 1 (onnxruntime refuses smaller ones), so it is one floor resize.
 */
function legacyResize(scalesFromAttr: boolean, mayShrink: boolean): Lowering {
  return (node, b) => {
    if (scalesFromAttr) maxInputs(node, b, 1, { what: 'scales', opset: 9 });
    const x = node.inputs[0];
    if (!x) return b.fail(`${node.opType} needs an input`);
    let scales = node.inputs[1] ?? null;
    if (scalesFromAttr) {
      const s = node.attrs.get('scales');
      if (s?.kind !== 'floats') return b.fail("Upsample needs the 'scales' attribute");
      scales = b.constant(tensorFrom('f32', [s.value.length], s.value));
    }
    if (!scales) return b.fail(`${node.opType} needs 'scales'`);
    const mode = str(node, 'mode', 'nearest');
    const irMode = mode === 'bilinear' ? 'linear' : mode;
    if (irMode !== 'nearest' && irMode !== 'linear') return b.fail(`${node.opType}: unsupported mode '${mode}'`);
    const resize = (input: Value, sc: Value, nearest: string): Value => b.emit('resize', [input, null, sc, null], {
      mode: { kind: 'string', value: irMode },
      coordinate_transformation_mode: { kind: 'string', value: 'asymmetric' },
      nearest_mode: { kind: 'string', value: nearest },
    })[0]!;
    if (irMode !== 'nearest' || !mayShrink) return [resize(x, scales, 'floor')];
    const known = b.constantOf(scales);
    if (known) {
      const s = toNumbers(known);
      const down = s.map((v) => (v < 1 ? v : 1)), up = s.map((v) => (v < 1 ? 1 : v));
      const constScales = (v: number[]): Value => b.constant(tensorFrom('f32', [v.length], v));
      if (down.every((v) => v === 1)) return [resize(x, scales, 'floor')];
      if (up.every((v) => v === 1)) return [resize(x, scales, 'ceil')];
      return [resize(resize(x, constScales(down), 'ceil'), constScales(up), 'floor')];
    }
    // Scales known only at run time: split them the same way with where(scales < 1, ...).
    const one = b.constant(tensorFrom('f32', [], [1]));
    const [shrinks] = b.emit('less', [scales, one]);
    const [down] = b.emit('where', [shrinks!, scales, one]);
    const [up] = b.emit('where', [shrinks!, one, scales]);
    return [resize(resize(x, down!, 'ceil'), up!, 'floor')];
  };
}

/**
 * Crop (onnx 1.0-1.2 experimental, still run by onnxruntime): border = [left, top, right, bottom]
 * on an [N, C, H, W] input; with `scale` = [h, w] the window is h x w from (top, left). A slice.
 */
const crop: Lowering = (node, b) => {
  maxInputs(node, b, 1);
  for (const k of node.attrs.keys()) if (k !== 'border' && k !== 'scale') b.fail(`attribute '${k}' is not supported on Crop`);
  const x = node.inputs[0];
  if (!x) return b.fail('Crop needs an input');
  const border = ints(node, 'border');
  if (!border || border.length !== 4 || border.some((v) => v < 0)) return b.fail("Crop needs 'border' = [left, top, right, bottom], four values >= 0");
  const [left, top, right, bottom] = border as [number, number, number, number];
  const scale = ints(node, 'scale');
  if (scale && (scale.length !== 2 || scale.some((v) => v < 0))) b.fail("Crop 'scale' must be [height, width], two values >= 0");
  const shape = x.type.shape;
  if (shape && shape.length !== 4) b.fail(`Crop takes an [N, C, H, W] input, got rank ${shape.length}`);
  const [h, w] = [shape?.[2], shape?.[3]];
  const need = scale ? [top + scale[0]!, left + scale[1]!] : [top + bottom, left + right];
  if ((typeof h === 'number' && h < need[0]!) || (typeof w === 'number' && w < need[1]!)) {
    b.fail(`Crop window [${border}]${scale ? ` scale [${scale}]` : ''} does not fit the ${h} x ${w} input`);
  }
  // A negative end counts from the end; no bottom/right border: to the end.
  const end = (start: number, size: number | undefined, border2: number): number =>
    (size !== undefined ? start + size : border2 > 0 ? -border2 : Number.MAX_SAFE_INTEGER);
  const ends = [end(top, scale?.[0], bottom), end(left, scale?.[1], right)];
  return b.emit('slice', [x, b.constInts([top, left]), b.constInts(ends), b.constInts([2, 3])]);
};

/**
 * NonZero of a ConstantOfShape filled with a nonzero value is PyTorch's arange at opset 9/10
 * (ConstantOfShape(ones) -> NonZero -> Transpose -> Squeeze, as gpt2-10 writes position ids).
 * Every index is then nonzero: for a 1-D input the result is [range(0, n)], a size the shape
 * rules tie to n, where nonzero's is a count only the run knows.
 */
const nonzero: Lowering = (node, b) => {
  const x = node.inputs[0];
  const fill = x?.def?.name === 'constant_of_shape' ? x.def.attrs.get('value') : undefined;
  if (x && x.type.shape?.length === 1 && fill?.kind === 'tensor' && fill.value.data.length === 1 && Number(fill.value.data[0]) !== 0) {
    const [shape] = b.emit('shape', [x]);
    const [n] = b.emit('squeeze', [shape!, b.constInts([0])]);
    const [r] = b.emit('range', [b.constInts([0], []), n!, b.constInts([1], [])]);
    return b.emit('unsqueeze', [r!, b.constInts([0])]);
  }
  return direct('nonzero')(node, b);
};

/**
 * Inference only: a constant-true training_mode is refused at import (unless ratio is a constant 0,
 * where training drops nothing); a run-time one is checked by dropout's eval.
 */
function checkTraining(node: OnnxNodeView, b: Lowerer): void {
  const [, ratio, tm] = node.inputs;
  const c = tm ? b.constantOf(tm) : undefined;
  const r = ratio ? b.constantOf(ratio) : undefined;
  const zeroRatio = r !== undefined && r.data.length > 0 && Number(r.data[0]) === 0;
  if (c && c.data.length > 0 && Number(c.data[0]) !== 0 && !zeroRatio) b.fail('training_mode = true is not supported (inference only)');
}

const dropout: Lowering = (node, b) => {
  checkTraining(node, b);
  const attrs = convertAttrs('dropout', node, b);
  return b.emit('dropout', node.inputs, attrs, { results: node.numOutputs });
};

/** Dropout 1-11: ratio/is_test attributes; before opset 10 the mask has the input's dtype. */
const dropoutLegacy: Lowering = (node, b) => {
  maxInputs(node, b, 1, { what: 'ratio', opset: 12 });
  const x = node.inputs[0]!;
  const wantMask = node.numOutputs > 1 && node.outputUsed[1] === true;
  const attrs = convertAttrs('dropout', node, b, { drop: ['ratio', 'is_test', 'consumed_inputs'] });
  if (!wantMask) {
    const [y] = b.emit('dropout', [x], attrs, { results: 1 });
    return node.numOutputs > 1 ? [y!, null] : [y!];
  }
  if (node.opset >= 10) return b.emit('dropout', [x], attrs, { results: 2 });
  const [y] = b.emit('dropout', [x], attrs, { results: 1 });
  const [shape] = b.emit('shape', [x]);
  const [mask] = b.emit('constant_of_shape', [shape!], { value: { kind: 'tensor', value: tensorFrom(x.type.dtype, [1], [1]) } });
  return [y!, mask!];
};

/** Concat-1 had a default axis of 1. */
const concat: Lowering = (node, b) => {
  const attrs = convertAttrs('concat', node, b);
  if (!attrs['axis']) attrs['axis'] = { kind: 'int', value: 1 };
  return b.emit('concat', node.inputs, attrs);
};

export const SHAPE_MAPPINGS: MappingTable = {
  CenterCropPad: [since(18, direct('center_crop_pad'))],
  Compress: [since(9, direct('compress'))],
  Concat: [since(1, concat)],
  Crop: [since(1, crop)],
  ConstantOfShape: [since(9, direct('constant_of_shape'))],
  DepthToSpace: [since(1, direct('depth_to_space'))],
  Dropout: [since(1, dropoutLegacy), since(12, dropout)],
  Expand: [since(8, direct('expand'))],
  EyeLike: [since(9, direct('eye_like'))],
  Flatten: [since(1, direct('flatten'))],
  Gather: [since(1, direct('gather'))],
  GatherElements: [since(11, direct('gather_elements'))],
  GatherND: [since(11, direct('gather_nd'))],
  Identity: [since(1, direct('identity'))],
  NonZero: [since(9, nonzero)],
  OneHot: [since(9, direct('one_hot'))],
  Pad: [since(1, padLegacy), since(11, attrsNowInputs(['pads', 'value'], 11, direct('pad')))],
  Range: [since(11, direct('range'))],
  Reshape: [since(1, attrsToOperands('reshape', ['shape'], 5)), since(5, attrsNowInputs(['shape'], 5, direct('reshape')))],
  Resize: [since(10, legacyResize(false, true)), since(11, direct('resize'))],
  ReverseSequence: [since(10, direct('reverse_sequence'))],
  Scatter: [since(9, direct('scatter_elements'))],
  ScatterElements: [since(11, direct('scatter_elements'))],
  ScatterND: [since(11, direct('scatter_nd'))],
  Shape: [since(1, direct('shape'))],
  Size: [since(1, direct('size'))],
  Slice: [since(1, attrsToOperands('slice', ['starts', 'ends', 'axes'], 10)), since(10, attrsNowInputs(['starts', 'ends', 'axes'], 10, direct('slice')))],
  SpaceToDepth: [since(1, direct('space_to_depth'))],
  Split: [since(1, attrsToOperands('split', ['split'], 13)), since(13, attrsNowInputs(['split'], 13, direct('split')))],
  Squeeze: [since(1, attrsToOperands('squeeze', ['axes'], 13)), since(13, attrsNowInputs(['axes'], 13, direct('squeeze')))],
  TensorScatter: [since(24, direct('tensor_scatter'))],
  Tile: [since(6, direct('tile'))],
  Transpose: [since(1, direct('transpose'))],
  Trilu: [since(14, direct('trilu'))],
  Unique: [since(11, direct('unique'))],
  Unsqueeze: [since(1, attrsToOperands('unsqueeze', ['axes'], 13)), since(13, attrsNowInputs(['axes'], 13, direct('unsqueeze')))],
  Upsample: [since(7, legacyResize(true, false)), since(9, legacyResize(false, false))],
};
