// SwiGLU, f32: y = a * sigmoid(alpha * a) * b over two same-shaped operands, f32x4 with the
// shared sigmoid4 helper and a scalar tail through lane 0 of the same helper (one result per x).

import type { Op } from '../../../../ir/ir.js';
import { addr, get, splat } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

function emitSwiglu(k: KernelCtx, op: Op): void {
  const [A, B] = op.operands, y = op.results[0]!;
  if ([A!, B!, y].some((v) => v.type.dtype !== 'f32')) k.fail(op, `swiglu on ${y.type.dtype} is not supported by the wasm backend (f32 only)`);
  const alpha = Number(op.attrs.get('alpha')?.value ?? 1);
  const n = k.size(k.dims(y));
  const sig = k.helper('sigmoid4');
  const em = k.em;
  em.comment(`swiglu alpha=${alpha} ${k.dims(y).join('x')}`);
  const a = em.local('a', 'v128');
  const body = (ld: (p: string) => string, st: (v: string) => void): void => {
    em.set(a, ld(k.ptr(A!)));
    st(`(f32x4.mul (f32x4.mul ${get(a)} (call ${sig} (f32x4.mul ${get(a)} ${splat(alpha)}))) ${ld(k.ptr(B!))})`);
  };
  em.vecLoop(n,
    (i) => body((p) => `(v128.load align=4 ${addr(p, i, 4)})`, (v) => em.line(`(v128.store align=4 ${addr(k.ptr(y), i, 4)} ${v})`)),
    (i) => body((p) => `(f32x4.splat (f32.load ${addr(p, i, 4)}))`, (v) => em.line(`(f32.store ${addr(k.ptr(y), i, 4)} (f32x4.extract_lane 0 ${v}))`)));
}

export const SWIGLU_KERNEL: KernelDef = { emit: emitSwiglu, flops: (op, numel) => 8 * numel(op.results[0]!) };
