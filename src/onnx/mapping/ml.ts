// ai.onnx.ml ops that are plain tensor arithmetic: Binarizer (x > threshold ? 1 : 0, in x's
// dtype) and ArrayFeatureExtractor (x[..., indices]; a 1-D x gives [1, n], as the ONNX reference).
// The conformance runner counts a mapped ai.onnx.ml op as in scope (classify.ts); the domain's other ops stay out of scope.
import { attr } from '../../../ir/attrs.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';

const binarizer: Lowering = (node, b) => {
  const x = node.inputs[0];
  if (!x) return b.fail('input X is required', 'E207');
  for (const k of node.attrs.keys()) if (k !== 'threshold') b.fail(`attribute '${k}' is not supported`);
  const t = node.attrs.get('threshold');
  const threshold = t?.kind === 'float' || t?.kind === 'int' ? t.value : 0;
  const above = b.emit('greater', [x, b.constant(tensorFrom(x.type.dtype, [], [threshold]))])[0]!;
  return b.emit('cast', [above], { to: attr.dtype(x.type.dtype) });
};

const arrayFeatureExtractor: Lowering = (node, b) => {
  const [x, idx] = node.inputs;
  if (!x || !idx) return b.fail('inputs X and Y are required', 'E207');
  if (node.attrs.size > 0) b.fail(`attribute '${[...node.attrs.keys()][0]}' is not supported`);
  const flat = b.emit('reshape', [idx, b.constInts([-1])])[0]!;
  const picked = b.emit('gather', [x, flat], { axis: attr.int(-1) })[0]!;
  return x.type.shape?.length === 1 ? b.emit('reshape', [picked, b.constInts([1, -1])]) : [picked];
};

export const ML_MAPPINGS: MappingTable = {
  'ai.onnx.ml:Binarizer': [since(1, binarizer)],
  'ai.onnx.ml:ArrayFeatureExtractor': [since(1, arrayFeatureExtractor)],
};
