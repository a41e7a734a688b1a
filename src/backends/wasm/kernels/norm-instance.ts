// InstanceNormalization (f32, [N, C, spatial...]): per (n, c) plane, mean then population
// variance in two scalar passes, then y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c].

import type { Op } from '../../../../ir/ir.js';
import { add, addr, f32c, get, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

function emitInstanceNorm(k: KernelCtx, op: Op): void {
  const [x, scale, b] = op.operands as [NonNullable<Op['operands'][0]>, Op['operands'][0], Op['operands'][0]];
  const y = op.results[0]!;
  if ([x, scale, b, y].some((v) => v && v.type.dtype !== 'f32')) k.fail(op, 'instance_normalization is f32 only in the wasm backend');
  const xd = k.dims(x);
  const C = k.dim(xd[1]!), L = k.size(xd.slice(2));
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5);
  const em = k.em;
  em.comment(`instance_normalization ${xd.join('x')}`);
  const m = em.local('m', 'f32'), v = em.local('v', 'f32'), d = em.local('d', 'f32'), a = em.local('a', 'f32'), c = em.local('c', 'i32');
  em.loop('p', k.size(xd.slice(0, 2)), (p) => {
    const at = (i: string): string => add(mul(p, L), i);
    em.set(c, `(i32.rem_u ${p} ${C})`);
    em.set(m, '(f32.const 0)');
    em.loop('i', L, (i) => em.set(m, `(f32.add ${get(m)} (f32.load ${addr(k.ptr(x), at(i), 4)}))`));
    em.set(m, `(f32.div ${get(m)} (f32.convert_i32_u ${L}))`);
    em.set(v, '(f32.const 0)');
    em.loop('i', L, (i) => {
      em.set(d, `(f32.sub (f32.load ${addr(k.ptr(x), at(i), 4)}) ${get(m)})`);
      em.set(v, `(f32.add ${get(v)} (f32.mul ${get(d)} ${get(d)}))`);
    });
    em.set(a, `(f32.div ${scale ? `(f32.load ${addr(k.ptr(scale), get(c), 4)})` : '(f32.const 1)'} (f32.sqrt (f32.add (f32.div ${get(v)} (f32.convert_i32_u ${L})) ${f32c(eps)})))`);
    const bias = b ? `(f32.load ${addr(k.ptr(b), get(c), 4)})` : '(f32.const 0)';
    em.loop('i', L, (i) => em.line(`(f32.store ${addr(k.ptr(y), at(i), 4)} (f32.add (f32.mul (f32.sub (f32.load ${addr(k.ptr(x), at(i), 4)}) ${get(m)}) ${get(a)}) ${bias}))`));
  });
}

export const INSTANCE_NORM_KERNEL: KernelDef = { emit: emitInstanceNorm, flops: (op, numel) => 6 * numel(op.operands[0]!) };
