// ONNX -> IR mapping entries for the reduce op family.
// Reduce* took `axes` as an attribute until opset 13 (ReduceSum) / 18 (the others); those entries
// turn it into the constant operand the IR ops take. TopK-1 likewise took `k` as an attribute.

import type { AttrValue } from '../../../ir/ir.js';
import type { Lowering, MappingTable, OpMapping } from '../mapping-api.js';
import { attrsNowInputs, convertAttrs, direct, maxInputs, since } from './helpers.js';

/** Older Reduce*: `axes` attribute -> int64 operand (absent = all axes, as before). */
function axesAttrToOperand(irOp: string, operandSince: number): Lowering {
  return (node, b) => {
    maxInputs(node, b, 1, { what: 'axes', opset: operandSince });
    const axes = node.attrs.get('axes');
    const attrs = convertAttrs(irOp, { ...node, attrs: without(node.attrs, 'axes') }, b);
    const axesOperand = axes && axes.kind === 'ints' ? b.constInts(axes.value) : null;
    return b.emit(irOp, [node.inputs[0]!, axesOperand], attrs);
  };
}

function without(attrs: ReadonlyMap<string, AttrValue>, name: string): Map<string, AttrValue> {
  const m = new Map(attrs);
  m.delete(name);
  return m;
}

const reduce = (irOp: string, operandSince: number): OpMapping[] => [
  since(1, axesAttrToOperand(irOp, operandSince)),
  since(operandSince, attrsNowInputs(['axes'], operandSince, direct(irOp))),
];

const topK1: Lowering = (node, b) => {
  maxInputs(node, b, 1, { what: 'k', opset: 10 });
  const k = node.attrs.get('k');
  if (!k || k.kind !== 'int') return b.fail("TopK-1 needs an int attribute 'k'");
  const attrs = convertAttrs('top_k', { ...node, attrs: without(node.attrs, 'k') }, b);
  return b.emit('top_k', [node.inputs[0]!, b.constInts([k.value])], attrs, { results: 2 });
};

export const REDUCE_MAPPINGS: MappingTable = {
  ReduceSum: reduce('reduce_sum', 13),
  ReduceMean: reduce('reduce_mean', 18),
  ReduceProd: reduce('reduce_prod', 18),
  ReduceMax: reduce('reduce_max', 18),
  ReduceMin: reduce('reduce_min', 18),
  ReduceL1: reduce('reduce_l1', 18),
  ReduceL2: reduce('reduce_l2', 18),
  ReduceSumSquare: reduce('reduce_sum_square', 18),
  ReduceLogSum: reduce('reduce_log_sum', 18),
  ReduceLogSumExp: reduce('reduce_log_sum_exp', 18),
  // select_last_index (12) defaults to the earlier behaviour, so one entry covers every version.
  ArgMax: [since(1, direct('arg_max'))],
  ArgMin: [since(1, direct('arg_min'))],
  CumSum: [since(11, direct('cum_sum'))],
  CumProd: [since(26, direct('cum_prod'))],
  // TopK-10 made k an input; 11 added largest/sorted with defaults matching 10.
  TopK: [since(1, topK1), since(10, attrsNowInputs(['k'], 10, direct('top_k')))],
};
