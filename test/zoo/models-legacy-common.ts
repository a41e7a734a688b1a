// Shared by the legacy zoo's model files (models-legacy.ts, models-legacy-cls.ts): how the old
// exporters wrote a model (IR version of their opset, weights repeated as graph inputs), shapes as
// initializers, and Conv / BatchNormalization / pooling with every attribute spelled out.

import type { DType } from '../../ir/dtype.js';
import { tensorFrom } from '../../ir/tensor.js';
import { buildModel, type AttrSpecValue, type ValueSpec } from '../../src/onnx/writer.js';
import type { Graph, ZooInput } from './graph.js';
import type { ZooModel } from './models-common.js';

// The IR version the tools wrote next to each opset (onnx 1.2: IR 3 / opset 7, 1.3: 3 / 8, 1.4: 4 / 9,
// 1.5: 5 / 10, 1.6: 6 / 11, 1.7: 7 / 12).
const IR_OF_OPSET: Readonly<Record<number, number>> = { 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7 };

/** A model as the old exporters wrote it: initializers repeated as graph inputs after the real ones. */
export function finishLegacy(g: Graph, name: string, inputs: ZooInput[], outputs: ValueSpec[], bindings: Record<string, number>[], opset: number): ZooModel {
  const vis: ValueSpec[] = inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }));
  const inits: ValueSpec[] = g.inits.map((i) => ({ name: i.name, dtype: i.tensor.dtype, shape: i.tensor.shape }));
  const bytes = buildModel({ opset, irVersion: IR_OF_OPSET[opset]!, inputs: [...vis, ...inits], outputs, initializers: g.inits, nodes: g.nodes });
  return { name, inputs, outputs, bindings, bytes };
}

/** An int64 (or other) initializer, as Caffe2/CNTK/MXNet stored Reshape shapes. */
export function initOf(g: Graph, name: string, dtype: DType, shape: number[], values: (number | bigint)[]): string {
  const full = `${g.scope}.${name}`.replace(/^[/.]+/, '').replaceAll('/', '.');
  g.inits.push({ name: full, tensor: tensorFrom(dtype, shape, dtype === 'i64' ? values.map((v) => BigInt(v)) : values) });
  return full;
}

export interface LConv { k: number; stride?: number; pad?: number; pads?: number[]; group?: number; bias?: boolean; autoPad?: string }

/** Conv as the converters wrote it (every attribute spelled out, or auto_pad without pads). */
export function lconv(g: Graph, x: string, cin: number, cout: number, o: LConv): string {
  const group = o.group ?? 1;
  const w = g.weight('w', [cout, cin / group, o.k, o.k], (cin / group) * o.k * o.k);
  const inputs = [x, w];
  if (o.bias ?? true) inputs.push(g.uniform('b', [cout], -0.1, 0.1));
  const s = o.stride ?? 1;
  if (o.autoPad) return g.op('Conv', inputs, { auto_pad: o.autoPad, group, kernel_shape: [o.k, o.k], strides: [s, s] });
  const p = o.pad ?? 0;
  return g.op('Conv', inputs, { dilations: [1, 1], group, kernel_shape: [o.k, o.k], pads: o.pads ?? [p, p, p, p], strides: [s, s] });
}

/** BatchNormalization-7 (opset 7/8) with `spatial`; plain BN-9 from opset 9. */
export function lbn(g: Graph, x: string, c: number, opset: number, eps = 1e-5): string {
  const s = g.uniform('gamma', [c], 0.5, 1.5), b = g.uniform('beta', [c], -0.1, 0.1);
  const m = g.uniform('moving_mean', [c], -0.1, 0.1), v = g.uniform('moving_var', [c], 0.5, 1.5);
  const attrs: Record<string, AttrSpecValue> = { epsilon: { float: eps }, momentum: { float: 0.9 } };
  if (opset < 9) attrs['spatial'] = 1;
  return g.op('BatchNormalization', [x, s, b, m, v], attrs);
}

export const maxPool = (g: Graph, x: string, k: number, s: number, pads = [0, 0, 0, 0], extra: Record<string, number> = {}): string =>
  g.op('MaxPool', [x], { kernel_shape: [k, k], pads, strides: [s, s], ...extra });
export const lrn = (g: Graph, x: string): string => g.op('LRN', [x], { alpha: { float: 1e-4 }, beta: { float: 0.75 }, bias: { float: 1 }, size: 5 });
