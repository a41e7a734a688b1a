// ONNX -> IR mapping entries for onnxruntime's contrib ops (domain com.microsoft): LLM decoder ops (GroupQueryAttention, MatMulNBits, GatherBlockQuantized, ...).
// onnxruntime writes these into models its transformer optimizer or quantizer saved, and web
// model hubs ship such models; each lowers to standard IR ops with onnxruntime's semantics
// (onnxruntime-node is the reference the tests compare with).
//
// MatMulNBits: Y = A @ dequant(B)^T (+ bias), B [N, k_blocks, blob] holding, per output column n,
// K codes of `bits` bits packed low bits first, one scale (and zero point) per block of
// block_size codes along K: w[k, n] = (code - zero_point) * scale. The weights are unpacked at
// import into a constant [K, N] of a narrow integer dtype (i4/i8/i2 = code - 2^(bits-1) when there
// are no zero points, u4/u8/u2 with unpacked zero points otherwise) and lowered to
// dequantize_linear {axis 0, block_size} + matmul, so the weights stay narrow in the compiled
// artifact (fold-constants does not widen them: the f32 result is larger than its operands).
// Float zero points that are not whole codes have no integer form: those weights are dequantized
// at import into a float constant.

import { attr } from '../../../ir/attrs.js';
import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/ir.js';
import { tensorFrom, toNumbers, type Tensor } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import { GQA_MAPPINGS } from './ms-llm-gqa.js';
import { intAttr, onlyAttrs } from './ms-llm-common.js';

const SIGNED: Readonly<Record<number, DType>> = { 2: 'i2', 4: 'i4', 8: 'i8' };
const UNSIGNED: Readonly<Record<number, DType>> = { 2: 'u2', 4: 'u4', 8: 'u8' };

/** Code `i` of a little-endian bit-packed byte array starting at byte `base`. */
const code = (bytes: ArrayLike<number>, base: number, i: number, bits: number): number =>
  (bytes[base + Math.floor((i * bits) / 8)]! >> ((i * bits) % 8)) & ((1 << bits) - 1);

/** Per-block zero points as a [kBlocks, N] array of codes, or null (no zero points / symmetric). */
function zeroPointCodes(zt: Tensor, n: number, kBlocks: number, bits: number, b: Lowerer): number[] | 'float' {
  const out = new Array<number>(kBlocks * n);
  if (zt.dtype === 'u8') {
    const row = Math.ceil((kBlocks * bits) / 8);
    if (zt.data.length !== n * row) b.fail(`zero_points has ${zt.data.length} bytes, expected N x ceil(k_blocks * bits / 8) = ${n * row}`, 'E205');
    const bytes = zt.data as Uint8Array;
    for (let c = 0; c < n; c++) for (let j = 0; j < kBlocks; j++) out[j * n + c] = code(bytes, c * row, j, bits);
    return out;
  }
  if (zt.data.length !== n * kBlocks) b.fail(`zero_points has ${zt.data.length} values, expected N x k_blocks = ${n * kBlocks}`, 'E205');
  const vals = toNumbers(zt);
  // Whole codes in range are exactly an integer zero point.
  if (vals.some((v) => !Number.isInteger(v) || v < 0 || v >= 2 ** bits)) return 'float';
  for (let c = 0; c < n; c++) for (let j = 0; j < kBlocks; j++) out[j * n + c] = vals[c * kBlocks + j]!;
  return out;
}

const matMulNBits: Lowering = (node, b) => {
  onlyAttrs(node, b, ['K', 'N', 'bits', 'block_size', 'accuracy_level']);
  const [a, bw, scales, zp, gIdx, bias] = node.inputs;
  if (!a || !bw || !scales) return b.fail('needs the inputs A, B and scales', 'E207');
  if (node.inputs.length > 6) b.fail(`takes at most 6 inputs, got ${node.inputs.length}`, 'E207');
  if (gIdx) b.fail("input 'g_idx' (act-order group index) is not supported");
  const K = intAttr(node, b, 'K'), N = intAttr(node, b, 'N');
  const bits = intAttr(node, b, 'bits', 4), bs = intAttr(node, b, 'block_size');
  // accuracy_level picks onnxruntime's compute type (int8 activations at 4): a numerics choice only;
  // tenth computes in A's float type.
  intAttr(node, b, 'accuracy_level', 0);
  if (!SIGNED[bits]) b.fail(`attribute 'bits' = ${bits} is not supported (2, 4 or 8)`);
  if (bs < 16 || (bs & (bs - 1)) !== 0) b.fail(`attribute 'block_size' = ${bs} must be a power of 2 and at least 16`);
  if (K <= 0 || N <= 0) b.fail(`attributes K (${K}) and N (${N}) must be positive`);
  const kBlocks = Math.ceil(K / bs), blob = (bs * bits) / 8;
  const ak = a.type.shape?.[a.type.shape.length - 1];
  if (typeof ak === 'number' && ak !== K) b.fail(`A's last dim is ${ak}, attribute K is ${K}`, 'E205');

  const bt = b.constantOf(bw);
  if (!bt) return b.fail('B must be a constant (initializer): packed weights are unpacked at import', 'E205');
  if (bt.dtype !== 'u8' || bt.data.length !== N * kBlocks * blob) {
    b.fail(`B must be uint8 [N, k_blocks, blob] = [${N}, ${kBlocks}, ${blob}], got ${bt.dtype}[${bt.shape.join(',')}]`, 'E205');
  }
  const bytes = bt.data as Uint8Array;
  const st = b.constantOf(scales);
  const sShape = scales.type.shape;
  if (sShape?.every((d) => typeof d === 'number') && sShape.reduce((p, d) => p * (d as number), 1) !== N * kBlocks) {
    b.fail(`scales must hold N x k_blocks = ${N * kBlocks} values, got [${sShape.join(',')}]`, 'E205');
  }
  const fdt = scales.type.dtype;
  const zt = zp ? b.constantOf(zp) : undefined;
  if (zp && !zt) b.fail('zero_points must be a constant (initializer)', 'E205');
  const zps = zt ? zeroPointCodes(zt, N, kBlocks, bits, b) : null;
  const at = (c: number, k: number): number => code(bytes, c * kBlocks * blob, k, bits);

  let w: Value;
  if (zps === 'float') {
    // Fractional float zero points: no integer code form, so the float weights are the constant.
    if (!st) return b.fail('float zero points need constant scales', 'E205');
    const sv = toNumbers(st), zv = toNumbers(zt!);
    const vals = new Float32Array(K * N);
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < N; c++) {
        const blk = c * kBlocks + Math.floor(k / bs);
        vals[k * N + c] = (at(c, k) - zv[blk]!) * sv[blk]!;
      }
    }
    w = b.constant(tensorFrom(fdt, [K, N], vals));
  } else {
    const mid = 2 ** (bits - 1);
    const q = new Int16Array(K * N);
    for (let k = 0; k < K; k++) for (let c = 0; c < N; c++) q[k * N + c] = zps ? at(c, k) : at(c, k) - mid;
    const qv = b.constant(tensorFrom(zps ? UNSIGNED[bits]! : SIGNED[bits]!, [K, N], q));
    // Scales as [k_blocks, N], the blocked layout dequantize_linear reads along axis 0.
    let sv: Value;
    if (st) {
      const s = toNumbers(st);
      sv = b.constant(tensorFrom(fdt, [kBlocks, N], Array.from({ length: kBlocks * N }, (_, i) => s[(i % N) * kBlocks + Math.floor(i / N)]!)));
    } else {
      const s2 = b.emit('reshape', [scales, b.constInts([N, kBlocks])])[0]!;
      sv = b.emit('transpose', [s2], { perm: attr.ints([1, 0]) })[0]!;
    }
    const zv = zps ? b.constant(tensorFrom(UNSIGNED[bits]!, [kBlocks, N], zps)) : null;
    w = b.emit('dequantize_linear', [qv, sv, zv], { axis: attr.int(0), block_size: attr.int(bs) })[0]!;
  }
  if (w.type.dtype !== a.type.dtype) w = b.emit('cast', [w], { to: attr.dtype(a.type.dtype) })[0]!;
  let y = b.emit('matmul', [a, w])[0]!;
  if (bias) y = b.emit('add', [y, bias])[0]!;
  return [y];
};

/** A uint8 tensor holding 4-bit codes packed along its last axis, as a u4 tensor of `shape`. */
function unpackLast(t: Tensor, shape: readonly number[], b: Lowerer, what: string): Tensor {
  const last = shape[shape.length - 1]!, bytesPerRow = Math.ceil(last / 2), rows = shape.slice(0, -1).reduce((x, y) => x * y, 1);
  if (t.data.length !== rows * bytesPerRow) b.fail(`${what} has ${t.data.length} bytes, expected ${rows * bytesPerRow} (4-bit codes packed along the last axis)`, 'E205');
  const bytes = t.data as Uint8Array;
  return tensorFrom('u4', shape, Array.from({ length: rows * last }, (_, i) => code(bytes, Math.floor(i / last) * bytesPerRow, i % last, 4)));
}

// GatherBlockQuantized (quantized embedding tables): Y = gather(dequant(data), indices, gather_axis)
// with blocks of block_size along quantize_axis: (code - zero_point) * scale, in the scales' type.
// data is int4/uint4 (zero point 0 when omitted) or uint8 holding `bits` 4 (two codes per byte
// along the last axis) or 8, zero point 2^(bits-1) when omitted. Lowered gather-then-dequantize
// (only the gathered rows are dequantized) when the two axes differ.
const gatherBlockQuantized: Lowering = (node, b) => {
  onlyAttrs(node, b, ['gather_axis', 'quantize_axis', 'block_size', 'bits']);
  const [data, indices, scales, zp] = node.inputs;
  if (!data || !indices || !scales) return b.fail('needs the inputs data, indices and scales', 'E207');
  if (node.inputs.length > 4) b.fail(`takes at most 4 inputs, got ${node.inputs.length}`, 'E207');
  const bs = intAttr(node, b, 'block_size', 128), bits = intAttr(node, b, 'bits', 4);
  if (bs < 16 || (bs & (bs - 1)) !== 0) b.fail(`attribute 'block_size' = ${bs} must be a power of 2 and at least 16`);
  const sShape = scales.type.shape;
  const rank = sShape?.length ?? 0;
  if (!sShape || data.type.shape?.length !== rank) return b.fail('data and scales must be ranked with the same rank', 'E205');
  const axisOf = (name: string, dflt: number): number => {
    const a = intAttr(node, b, name, dflt);
    if (a < -rank || a >= rank) b.fail(`attribute '${name}' = ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  };
  const gAxis = axisOf('gather_axis', 0), qAxis = axisOf('quantize_axis', 1);
  const dt = data.type.dtype;
  let q: Value = data, z: Value | null = zp ?? null;
  if (dt === 'u8') {
    if (bits !== 4 && bits !== 8) b.fail(`attribute 'bits' = ${bits} is not supported for uint8 data (4 or 8)`);
    // onnxruntime's layout for uint8 tables: gathered along axis 0, quantized (and packed) along the last.
    if (gAxis !== 0) b.fail(`attribute 'gather_axis' must be 0 for uint8 data, got ${gAxis}`);
    if (qAxis !== rank - 1) b.fail(`uint8 data must be quantized along its last axis, not quantize_axis ${qAxis}`, 'E205');
    const dtc = b.constantOf(data);
    if (!dtc) return b.fail('uint8 data must be a constant (initializer): packed codes are unpacked at import', 'E205');
    const zc = zp ? b.constantOf(zp) : undefined;
    if (zp && (!zc || zc.dtype !== 'u8')) b.fail('zero_points must be a uint8 constant like data', 'E205');
    if (bits === 4) {
      const shape = [...dtc.shape.slice(0, -1), 2 * dtc.shape[dtc.shape.length - 1]!];
      const logical = unpackLast(dtc, shape, b, 'data');
      if (zc) {
        const zs = sShape.map((d) => (typeof d === 'number' ? d : b.fail('scales must have static dims', 'E205')));
        z = b.constant(unpackLast(zc, zs, b, 'zero_points'));
        q = b.constant(logical);
      } else {
        // No zero point: code - 8 as a signed 4-bit value.
        q = b.constant(tensorFrom('i4', shape, Array.from(logical.data as Uint8Array, (c) => c - 8)));
      }
    } else if (!zc) {
      q = b.constant(tensorFrom('i8', dtc.shape, Array.from(dtc.data as Uint8Array, (c) => c - 128)));
    }
  } else if (dt !== 'i4' && dt !== 'u4') {
    b.fail(`data of type ${dt} is not supported (int4, uint4 or uint8)`);
  } else if (node.attrs.has('bits') && bits !== 4) {
    b.fail(`attribute 'bits' = ${bits} does not match ${dt} data`);
  }
  const deq = (x: Value, s: Value, zz: Value | null, axis: number): Value =>
    b.emit('dequantize_linear', [x, s, zz], { axis: attr.int(axis), block_size: attr.int(bs) })[0]!;
  const gather = (x: Value): Value => b.emit('gather', [x, indices], { axis: attr.int(gAxis) })[0]!;
  if (gAxis === qAxis) return [gather(deq(q, scales, z, qAxis))];
  const iRank = indices.type.shape?.length;
  if (iRank === undefined) return b.fail('indices must be ranked', 'E205');
  return [deq(gather(q), gather(scales), z ? gather(z) : null, qAxis < gAxis ? qAxis : qAxis + iRank - 1)];
};

export const MS_LLM_MAPPINGS: MappingTable = {
  'com.microsoft:MatMulNBits': [since(1, matMulNBits)],
  'com.microsoft:GatherBlockQuantized': [since(1, gatherBlockQuantized)],
  ...GQA_MAPPINGS,
};
