// The layout attributes select-layout puts on the spatial nn ops (ir/ops/nn-layout.ts): the
// conversions against hand-written layouts, and every wrapped op in every layout combination
// against the NCHW op on the same data (its result converted by a plain transpose/reshape): shape
// rule and values, bitwise. Bad layouts are shape-rule errors.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { TenthError } from '../../ir/diagnostics.js';
import { type AttrValue, Func, Module, Region, Value } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import {
  LAYOUTS, packWeight, physicalShape, toLogical, toPhysical, unpackWeight, WEIGHT_LAYOUTS, type Layout, type WeightLayout,
} from '../../ir/ops/nn-layout.js';
import { encodeBytes, tensorFrom, toNumbers, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import '../../ir/ops/index.js';

const seq = (shape: number[]): Tensor => tensorFrom('f32', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

/** Varied values in [-2, 2) (quarter steps) from a seed. */
function lcg(seed: number, shape: readonly number[]): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorFrom('f32', shape, Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * 16) / 4 - 2;
  }));
}

/** Build main(args) { r = op(args) {attrs}; return r } and run it. */
function runOp(name: string, args: Tensor[], attrs: Record<string, AttrValue>, results = 1): { types: string[]; out: Tensor[] } {
  const m = new Module('t');
  const params = args.map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(params);
  const b = new Builder(body, m);
  const r = b.op(name, params, { attrs, results });
  b.op('return', r, { results: 0 });
  m.funcs.push(new Func('main', body, r.map((_, i) => `y${i}`)));
  expect(verify(m).map((d) => d.message)).toEqual([]);
  return { types: r.map((v) => v.type.shape!.join(',')), out: interpret(m, args) };
}

const hex = (t: Tensor): string => `${t.shape}:${Buffer.from(encodeBytes(t)).toString('hex')}`;

describe('layout conversions', () => {
  it('nchw4c puts channel c at block c/4, lane c%4 (hand-written)', () => {
    // Logical [1,8,1,2] holding c*2 + w; physical [1,2,1,2,4][0,b,0,w,l] = (4b + l)*2 + w.
    const p = toPhysical(seq([1, 8, 1, 2]), 'nchw4c');
    expect(p.shape).toEqual([1, 2, 1, 2, 4]);
    expect(toNumbers(p)).toEqual([0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]);
  });

  it('nhwc is channels-last (hand-written)', () => {
    const p = toPhysical(seq([1, 3, 2, 1]), 'nhwc');
    expect(p.shape).toEqual([1, 2, 1, 3]);
    expect(toNumbers(p)).toEqual([0, 2, 4, 1, 3, 5]);
  });

  it('oihw4o blocks output channels, ohwi puts input channels last (hand-written)', () => {
    // W[o, i] = 2o + i for [4,2,1,1]; oihw4o [1,2,1,1,4][0,i,0,0,l] = W[l, i].
    const b = packWeight(seq([4, 2, 1, 1]), 'oihw4o');
    expect(b.shape).toEqual([1, 2, 1, 1, 4]);
    expect(toNumbers(b)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
    const h = packWeight(seq([1, 2, 1, 3]), 'ohwi');
    expect(h.shape).toEqual([1, 1, 3, 2]);
    expect(toNumbers(h)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('a broadcast channel dim of 1 stays 1 in nchw4c', () => {
    expect(physicalShape([1, 1, 3, 3], 'nchw4c', true)).toEqual({ ok: true, shape: [1, 1, 3, 3, 1] });
    expect(physicalShape([1, 1, 3, 3], 'nchw4c').ok).toBe(false);
    expect(physicalShape(['batch', 8, 'h', 5], 'nchw4c')).toEqual({ ok: true, shape: ['batch', 2, 'h', 5, 4] });
    expect(toLogical(toPhysical(seq([1, 1, 2, 2]), 'nchw4c', true), 'nchw4c', true).shape).toEqual([1, 1, 2, 2]);
  });

  it('round-trips every layout and weight layout', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat(),
      fc.constantFrom(...LAYOUTS), fc.constantFrom(...WEIGHT_LAYOUTS),
      (sp, c4, seed, l: Layout, wl: WeightLayout) => {
        const t = lcg(seed, [2, 4 * c4, ...sp]);
        expect(hex(toLogical(toPhysical(t, l), l))).toBe(hex(t));
        const wt = lcg(seed, [4 * c4, 2, ...sp]);
        expect(hex(unpackWeight(packWeight(wt, wl), wl))).toBe(hex(wt));
      },
    ));
  });
});

interface OpCase { name: string; attrs: Record<string, AttrValue>; extra: (c: number, seed: number) => Tensor[]; weight?: boolean }

const perChannel = (c: number, seed: number): Tensor[] => [lcg(seed, [c]), lcg(seed + 1, [c])];
const bnParams = (c: number, seed: number): Tensor[] => [
  ...perChannel(c, seed), lcg(seed + 2, [c]), tensorFrom('f32', [c], Array.from({ length: c }, (_, i) => 0.5 + i)),
];

const CASES: OpCase[] = [
  { name: 'conv', weight: true, attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 0, 1, 2]), strides: attr.ints([2, 1]) }, extra: (c, s) => [lcg(s, [8, c, 3, 3]), lcg(s + 1, [8])] },
  { name: 'conv', weight: true, attrs: { group: attr.int(4), kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, extra: (c, s) => [lcg(s, [4, c / 4, 3, 3])] },
  { name: 'max_pool', attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([1, 2]) }, extra: () => [] },
  { name: 'average_pool', attrs: { kernel_shape: attr.ints([2, 3]), pads: attr.ints([1, 1, 0, 1]), count_include_pad: attr.int(1) }, extra: () => [] },
  { name: 'lp_pool', attrs: { kernel_shape: attr.ints([2, 2]) }, extra: () => [] },
  { name: 'global_average_pool', attrs: {}, extra: () => [] },
  { name: 'global_max_pool', attrs: {}, extra: () => [] },
  { name: 'batch_normalization', attrs: {}, extra: bnParams },
  { name: 'instance_normalization', attrs: {}, extra: perChannel },
  { name: 'group_normalization', attrs: { num_groups: attr.int(2) }, extra: perChannel },
  { name: 'lrn', attrs: { size: attr.int(3) }, extra: () => [] },
];

describe('spatial ops in every layout', () => {
  for (const c of CASES) {
    it(`${c.name} ${Object.keys(c.attrs).join(' ')}: same values as NCHW, converted`, () => {
      fc.assert(fc.property(
        fc.nat(), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 5 }), fc.integer({ min: 3, max: 6 }),
        fc.constantFrom(...LAYOUTS), fc.constantFrom(...LAYOUTS), fc.constantFrom(...WEIGHT_LAYOUTS),
        (seed, n, h, w, input: Layout, output: Layout, wl: WeightLayout) => {
          const ch = 8;
          const x = lcg(seed, [n, ch, h, w]);
          const extra = c.extra(ch, seed + 7);
          const ref = runOp(c.name, [x, ...extra], c.attrs).out[0]!;
          const attrs: Record<string, AttrValue> = { ...c.attrs, layout: attr.string(input), out_layout: attr.string(output) };
          const args = [toPhysical(x, input), ...extra];
          if (c.weight) { attrs.weight_layout = attr.string(wl); args[1] = packWeight(extra[0]!, wl); }
          const got = runOp(c.name, args, attrs);
          const want = toPhysical(ref, output);
          expect(got.types[0]).toBe(want.shape.join(','));
          expect(hex(got.out[0]!)).toBe(hex(want));
        },
      ), { numRuns: 25 });
    });
  }
});

describe('bad layouts are shape-rule errors', () => {
  const code = (f: () => unknown): string | undefined => {
    try { f(); } catch (e) { if (e instanceof TenthError) return e.diagnostics[0]!.code; throw e; }
    return undefined;
  };
  const x = lcg(1, [1, 8, 3, 3]);
  it('rejects unknown layout names', () => {
    expect(code(() => runOp('max_pool', [x], { kernel_shape: attr.ints([2, 2]), layout: attr.string('nwhc') }))).toBe('E307');
    expect(code(() => runOp('conv', [x, lcg(2, [4, 8, 1, 1])], { weight_layout: attr.string('hwio') }))).toBe('E307');
  });
  it('rejects a blocked input whose last dim is not 4 and a blocked output with channels not a multiple of 4', () => {
    expect(code(() => runOp('global_average_pool', [lcg(1, [1, 2, 3, 3, 3])], { layout: attr.string('nchw4c') }))).toBe('E307');
    expect(code(() => runOp('conv', [x, lcg(2, [6, 8, 1, 1])], { out_layout: attr.string('nchw4c') }))).toBe('E307');
  });
  it('keeps max_pool Indices NCHW-only', () => {
    expect(code(() => runOp('max_pool', [toPhysical(x, 'nhwc')], { kernel_shape: attr.ints([2, 2]), layout: attr.string('nhwc') }, 2))).toBe('E307');
  });
});
