// Control ops (if, loop, scan): ONNX models built with the writer, imported and run, checked
// against answers computed by plain loops; plus the slice/stack helpers against a naive reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { stackAlong, takeAlong } from '../../../ir/ops/control.js';
import { type Tensor, tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { formatType } from '../../../ir/types.js';
import { verify } from '../../../ir/verify.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type GraphSpec, type ModelSpec } from '../../../src/onnx/writer.js';

const load = (spec: ModelSpec) => {
  const m = importOnnxBytes(buildModel(spec), { file: 'control.onnx', baseDir: '/nonexistent' });
  expect(verify(m)).toEqual([]);
  return m;
};
const f32 = (shape: number[], vals: number[]) => tensorFrom('f32', shape, vals);
const i64 = (v: number) => tensorFrom('i64', [], [v]);
const bool = (v: boolean) => tensorFrom('bool', [], [v ? 1 : 0]);

describe('if', () => {
  it('runs the chosen branch; branches of different lengths on an input condition give sel(%c[0], then, else), on a computed one ?', () => {
    const branch = (op: string, out: number): GraphSpec => ({
      inputs: [], outputs: [{ name: `r${out}` }],
      nodes: op === 'Concat'
        ? [{ opType: 'Concat', inputs: ['x', 'x'], outputs: [`r${out}`], attrs: { axis: 0 } }]
        : [{ opType: op, inputs: ['x', 'x'], outputs: [`r${out}`] }],
    });
    const m = load({
      inputs: [{ name: 'c', dtype: 'bool', shape: [] }, { name: 'x', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: branch('Concat', 1), else_branch: branch('Mul', 2) } }],
    });
    expect(formatType(m.main.resultTypes[0]!)).toBe('f32["sel(%c[0],6,3)"]');
    expect(toNumbers(interpret(m, [bool(true), f32([3], [1, 2, 3])])[0]!)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(toNumbers(interpret(m, [bool(false), f32([3], [1, 2, 3])])[0]!)).toEqual([1, 4, 9]);
    const computed = load({
      inputs: [{ name: 'c', dtype: 'bool', shape: [] }, { name: 'x', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Not', inputs: ['c'], outputs: ['nc'] }, { opType: 'If', inputs: ['nc'], outputs: ['y'], attrs: { then_branch: branch('Concat', 1), else_branch: branch('Mul', 2) } }],
    });
    expect(formatType(computed.main.resultTypes[0]!)).toBe('f32[?]');
    expect(toNumbers(interpret(computed, [bool(false), f32([3], [1, 2, 3])])[0]!)).toEqual([1, 2, 3, 1, 2, 3]);
  });
});

/** Loop body: acc += float(i); yields (cond_out, acc, acc as scan output). cond_out = acc < limit (outer value). */
const loopBody = (withCond: boolean): GraphSpec => ({
  inputs: [{ name: 'i', dtype: 'i64', shape: [] }, { name: 'cond_in', dtype: 'bool', shape: [] }, { name: 'acc' }],
  outputs: [{ name: withCond ? 'cond_out' : 'cond_in' }, { name: 'acc_out' }, { name: 'scan_out' }],
  nodes: [
    { opType: 'Cast', inputs: ['i'], outputs: ['fi'], attrs: { to: 1 } },
    { opType: 'Add', inputs: ['acc', 'fi'], outputs: ['acc_out'] },
    { opType: 'Mul', inputs: ['acc_out', 'one'], outputs: ['scan_out'] },
    ...(withCond ? [{ opType: 'Less', inputs: ['acc_out', 'limit'], outputs: ['cond_out'] }] : []),
  ],
});

function naiveLoop(trip: number, limit: number | null, acc0: number): [number, number[]] {
  let acc = acc0;
  const scans: number[] = [];
  for (let i = 0; i < trip; i++) {
    acc += i;
    scans.push(acc);
    if (limit !== null && !(acc < limit)) break;
  }
  return [acc, scans];
}

describe('loop', () => {
  const spec = (withCond: boolean): ModelSpec => ({
    inputs: [{ name: 'M', dtype: 'i64', shape: [] }, { name: 'c', dtype: 'bool', shape: [] }, { name: 'acc0', dtype: 'f32', shape: [1] }, { name: 'limit', dtype: 'f32', shape: [1] }],
    outputs: [{ name: 'acc_final' }, { name: 'partials' }],
    initializers: [{ name: 'one', tensor: f32([1], [1]) }],
    nodes: [{ opType: 'Loop', inputs: ['M', 'c', 'acc0'], outputs: ['acc_final', 'partials'], attrs: { body: loopBody(withCond) } }],
  });

  it('runs max_trip_count iterations, carrying a value and stacking scan outputs', () => {
    const m = load(spec(false));
    expect(m.main.resultTypes.map(formatType)).toEqual(['f32[1]', 'f32[?,1]']);
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: -5, max: 5 }), (trip, a0) => {
      const [acc, parts] = interpret(m, [i64(trip), bool(true), f32([1], [a0]), f32([1], [0])]);
      const [wantAcc, wantScans] = naiveLoop(trip, null, a0);
      expect(toNumbers(acc!)).toEqual([wantAcc]);
      expect(parts!.shape).toEqual([trip, 1]);
      expect(toNumbers(parts!)).toEqual(wantScans);
    }), { numRuns: 25 });
  });

  it('stops when the body condition (reading an outer value) turns false, or when the initial condition is false', () => {
    const m = load(spec(true));
    fc.assert(fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 60 }), (trip, limit) => {
      const [acc, parts] = interpret(m, [i64(trip), bool(true), f32([1], [0]), f32([1], [limit])]);
      const [wantAcc, wantScans] = naiveLoop(trip, limit, 0);
      expect(toNumbers(acc!)).toEqual([wantAcc]);
      expect(toNumbers(parts!)).toEqual(wantScans);
    }), { numRuns: 25 });
    const [acc, parts] = interpret(m, [i64(5), bool(false), f32([1], [7]), f32([1], [100])]);
    expect(toNumbers(acc!)).toEqual([7]);
    expect(parts!.shape).toEqual([0, 1]);
  });

  it('handles a carried value whose shape grows each iteration', () => {
    const m = load({
      inputs: [{ name: 'M', dtype: 'i64', shape: [] }, { name: 'seq0', dtype: 'f32', shape: [1] }],
      outputs: [{ name: 'seq' }],
      nodes: [{
        opType: 'Loop', inputs: ['M', '', 'seq0'], outputs: ['seq'], attrs: {
          body: {
            inputs: [{ name: 'i', dtype: 'i64', shape: [] }, { name: 'c', dtype: 'bool', shape: [] }, { name: 's' }],
            outputs: [{ name: 'c' }, { name: 's2' }],
            nodes: [
              { opType: 'Cast', inputs: ['i'], outputs: ['fi'], attrs: { to: 1 } },
              { opType: 'Unsqueeze', inputs: ['fi', 'ax'], outputs: ['fi1'] },
              { opType: 'Concat', inputs: ['s', 'fi1'], outputs: ['s2'], attrs: { axis: 0 } },
            ],
            initializers: [{ name: 'ax', tensor: tensorFrom('i64', [1], [0]) }],
          },
        },
      }],
    });
    expect(formatType(m.main.resultTypes[0]!)).toBe('f32[?]');
    expect(toNumbers(interpret(m, [i64(4), f32([1], [9])])[0]!)).toEqual([9, 0, 1, 2, 3]);
  });
});

describe('scan', () => {
  it('accumulates over axis 1 in reverse and stacks outputs along axis 1 (checked against a plain loop)', () => {
    const m = load({
      opset: 16,
      inputs: [{ name: 's0', dtype: 'f32', shape: [2] }, { name: 'xs', dtype: 'f32', shape: [2, 'n'] }],
      outputs: [{ name: 'final' }, { name: 'ys' }],
      nodes: [{
        opType: 'Scan', inputs: ['s0', 'xs'], outputs: ['final', 'ys'], attrs: {
          num_scan_inputs: 1, scan_input_axes: [1], scan_input_directions: [1], scan_output_axes: [1],
          body: {
            inputs: [{ name: 's' }, { name: 'x' }],
            outputs: [{ name: 's_next' }, { name: 'y' }],
            nodes: [
              { opType: 'Add', inputs: ['s', 'x'], outputs: ['s_next'] },
              { opType: 'Mul', inputs: ['s_next', 's_next'], outputs: ['y'] },
            ],
          },
        },
      }],
    });
    expect(m.main.resultTypes.map(formatType)).toEqual(['f32[2]', 'f32[2,n]']);
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 14, maxLength: 14 }), (n, vals) => {
      const xs = vals.slice(0, 2 * n);
      const s = [vals[12]!, vals[13]!];
      const ys = new Array<number>(2 * n).fill(0);
      for (let t = n - 1; t >= 0; t--) {
        for (let r = 0; r < 2; r++) { s[r]! += xs[r * n + t]!; ys[r * n + (n - 1 - t)] = s[r]! * s[r]!; }
      }
      const [fin, out] = interpret(m, [f32([2], [vals[12]!, vals[13]!]), f32([2, n], xs)]);
      expect(toNumbers(fin!)).toEqual(s);
      expect(out!.shape).toEqual([2, n]);
      // scan_output_directions defaults to forward: output index = iteration number.
      expect(toNumbers(out!)).toEqual(ys);
    }), { numRuns: 25 });
  });
});

describe('scan (opset 8, batch axis)', () => {
  it('runs the body per batch row over axis 1, honouring directions', () => {
    const m = load({
      opset: 8,
      inputs: [{ name: 's0', dtype: 'f32', shape: [3, 1] }, { name: 'xs', dtype: 'f32', shape: [3, 4, 1] }],
      outputs: [{ name: 'final' }, { name: 'ys' }],
      nodes: [{
        opType: 'Scan', inputs: ['', 's0', 'xs'], outputs: ['final', 'ys'], attrs: {
          num_scan_inputs: 1, directions: [1],
          body: {
            inputs: [{ name: 's', dtype: 'f32', shape: [1] }, { name: 'x', dtype: 'f32', shape: [1] }],
            outputs: [{ name: 's_next' }, { name: 'y' }],
            nodes: [
              { opType: 'Mul', inputs: ['s', 'x'], outputs: ['p'] },
              { opType: 'Add', inputs: ['p', 'x'], outputs: ['s_next'] },
              { opType: 'Add', inputs: ['s_next', 's_next'], outputs: ['y'] },
            ],
          },
        },
      }],
    });
    expect(m.main.resultTypes.map(formatType)).toEqual(['f32[3,1]', 'f32[3,4,1]']);
    const s0 = [1, -1, 0.5], xs = [1, 2, 3, 4, 0, 1, 0, 1, -1, 0.5, 2, 1];
    const fin: number[] = [], ys: number[] = [];
    for (let b = 0; b < 3; b++) {
      let s = s0[b]!;
      for (let t = 3; t >= 0; t--) { const x = xs[b * 4 + t]!; s = s * x + x; ys.push(2 * s); }
      fin.push(s);
    }
    const [f, y] = interpret(m, [f32([3, 1], s0), f32([3, 4, 1], xs)]);
    expect(toNumbers(f!)).toEqual(fin);
    expect(toNumbers(y!)).toEqual(ys);
  });
});

describe('slice/stack helpers', () => {
  it('stacking every slice along an axis gives back the tensor', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), (shape, axisSeed) => {
      const axis = axisSeed % shape.length;
      const n = shape.reduce((a, b) => a * b, 1);
      const t = tensorFrom('i32', shape, Array.from({ length: n }, (_, i) => i));
      const parts: Tensor[] = [];
      for (let k = 0; k < shape[axis]!; k++) parts.push(takeAlong(t, axis, k));
      // Naive reference for one slice: element at multi-index with axis fixed.
      const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
      parts.forEach((p, k) => {
        toNumbers(p).forEach((v) => {
          const idx = shape.map((_, d) => Math.floor(v / strides[d]!) % shape[d]!);
          expect(idx[axis]).toBe(k);
        });
      });
      const back = stackAlong(parts, axis, 'i32', []);
      expect(back.shape).toEqual(shape);
      expect(toNumbers(back)).toEqual(toNumbers(t));
    }));
  });
});
