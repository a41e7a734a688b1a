// MatMul reading B through a dequantize_linear of weights (4-bit LLM projections: the importer
// lowers onnxruntime's MatMulNBits to dequantize_linear(codes, scale, zero point) -> matmul).
// The fuse pass (option weight-dequant, on for webgpu) puts the dequantization into the
// matmul's group; the matmul kernel then decodes each B element from the packed codes, its
// block's scale and zero point as it loads its B tile, and reports that it does not read the
// dequantized value, so the lowering neither computes nor stores it: no f32 copy of the weight
// exists, and the projection is one dispatch.
//
// The decoding is the dequantize_linear map kernel's own (dtype-ops.ts), at B's flat index, so
// every axis, block size and dtype it supports behaves the same here; a float result narrower
// than f32 (f16 scales) is rounded to it, as the interpreter's dequantized tensor is.

import type { Op } from '../../../../ir/ir.js';
import type { KernelCtx, MapKernel } from '../kernel-api.js';
import { narrow, needsNarrow } from '../storage.js';
import { REG } from '../wgsl.js';
import { kernelFor } from './index.js';

/**
 * The dequantize_linear that defines matmul `op`'s B, when the kernel may read B through it: its
 * operands are constants or arguments (weights; inside a fused group, the group's operands, which
 * the fuse pass only lets be constants), so they have buffers without the dequantization running.
 */
export function dequantB(op: Op): Op | undefined {
  const d = op.operands[1]?.def;
  if (!d || d.name !== 'dequantize_linear' || d.results.length !== 1 || d.regions.length > 0) return undefined;
  if (REG[d.results[0]!.type.dtype] !== 'f32') return undefined;
  return d.operands.every((v) => v === null || v.def === null || v.def.name === 'const') ? d : undefined;
}

/** The f32 value of element `idx` (u32 expression) of dq's result, decoded from its operands. */
export function loadDequant(k: KernelCtx, dq: Op, idx: string): string {
  const i = k.body.let('qi', idx);
  const v = (kernelFor(dq) as MapKernel).value(k, dq, i);
  const dt = dq.results[0]!.type.dtype;
  return needsNarrow(dt) ? k.body.let('qv', narrow(v, dt, false)) : v;
}
