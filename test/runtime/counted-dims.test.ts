// The runtimes' handling of counted dims (manifest `counted`: src/runtime/index.ts runCounted,
// common.ts rebindCounted, dims.ts bindDerived, webgpu-run.ts runCounting): the arena placed at
// each count's bound, the kernels after a counting one run at the count it stored. On both
// backends, every output compared exactly with the interpreter: dims derived from a count
// (reshape -1, concat), counts 0 and equal to the bound, a count bounded by an earlier count, a
// compress of a counted result along its other axis, one instance run on inputs giving different
// counts (no stale binding) and runs started together, a count used only through its shape,
// symbolic input dims, profile(), the threaded WASM module, a bad index before the counting op,
// checks on a counted dim (arg_max over it, a broadcast against an input dim).

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../src/conformance/feeds.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { instantiateCompiled } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { expectExact, rng } from '../backends/wasm/dtype-helpers.js';
import { gpuDevice } from '../backends/webgpu/helpers.js';

const mod = (args: string, results: string, lines: readonly string[], rets: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...lines.map((l) => `    ${l}`), `    return ${rets}`, '  }', '}'].join('\n');

interface Loaded {
  readonly counted: readonly string[];
  readonly kernels: number;
  run(inputs: readonly Tensor[]): Promise<Tensor[]>;
  profile(inputs: readonly Tensor[]): Promise<readonly { kernel: string; ms: number }[]>;
  dispose(): Promise<void>;
}

type Backend = 'wasm' | 'wasm-threads' | 'webgpu';

/** Compile IR text for a backend and load it through that backend's runtime. */
async function load(backend: Backend, text: string, passes = 'fuse'): Promise<Loaded> {
  const m = parseModule(text, { file: 'test.ir' });
  const feeds = (names: readonly { name: string }[], xs: readonly Tensor[]) => Object.fromEntries(names.map((inp, i) => [inp.name, toRunTensor(xs[i]!)]));
  const outs = (os: readonly { name: string; dtype: string }[], r: Record<string, Parameters<typeof fromRunTensor>[1]>): Tensor[] => os.map((o) => fromRunTensor(o.dtype as DType, r[o.name]!));
  if (backend === 'webgpu') {
    const c = compileWebGpu(m, { passes, verifyEach: true });
    const cm = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    return {
      counted: (c.manifest.counted ?? []).map((x) => x.symbol), kernels: c.manifest.kernels.length,
      run: async (xs) => outs(c.manifest.outputs, await cm.run(feeds(c.manifest.inputs, xs))),
      profile: (xs) => cm.profile(feeds(c.manifest.inputs, xs)),
      dispose: async () => { await cm.dispose?.(); },
    };
  }
  const threads = backend === 'wasm-threads';
  const c = await compileWasm(m, { passes, verifyEach: true, ...(threads ? { threads: true, threadMinWork: 0 } : {}) });
  const wasm = threads ? c.threads!.find((v) => v.file === 'model-threads.wasm')!.wasm : c.wasm;
  const cm = await instantiateCompiled(c.manifest, wasm, c.weights, threads ? { threads: 2 } : {});
  if (threads) expect(cm.threads).toBe(2);
  return {
    counted: (c.manifest.counted ?? []).map((x) => x.symbol), kernels: c.manifest.kernels.length,
    run: async (xs) => outs(c.manifest.outputs, await cm.run(feeds(c.manifest.inputs, xs))),
    profile: (xs) => cm.profile(feeds(c.manifest.inputs, xs)),
    dispose: () => cm.dispose(),
  };
}

const interp = (text: string, xs: readonly Tensor[]): Tensor[] => interpret(parseModule(text, { file: 't.ir' }), [...xs]);

/** x: f32[shape] with about `dense` of its entries above 0.5 (the ones nonzero counts). */
function mask(shape: readonly number[], dense: number, seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorFrom('f32', shape, Array.from({ length: n }, () => (r() < dense ? 0.75 + Math.round(r() * 8) / 4 : Math.round(r() * 2) / 4)));
}

/** Dims derived from a count: reshape to [-1, 2], concat with itself (2n), gather_nd, a reduction over it. */
const DERIVED = mod('%x: f32[n,m]', '%nz: i64[2,?], %r: i64[?,2], %cat: i64[2,?], %g: f32[?], %s: f32[], %e: f32[?]', [
  '%half = const {value = dense<0.5> : f32[]} : f32[]',
  '%p = greater(%x, %half) : bool[n,m]',
  '%nz = nonzero(%p) : i64[2,?]',
  '%sh = const {value = dense<[-1, 2]> : i64[2]} : i64[2]',
  '%r = reshape(%nz, %sh) : i64[?,2]',
  '%cat = concat(%nz, %nz) {axis = 1} : i64[2,?]',
  '%t = transpose(%nz) {perm = [1, 0]} : i64[?,2]',
  '%g = gather_nd(%x, %t) : f32[?]',
  '%cf = cast(%cat) {to = f32} : f32[2,?]',
  '%s = reduce_sum(%cf) {keepdims = 0} : f32[]',
  '%e = mul(%g, %g) : f32[?]',
], '%nz, %r, %cat, %g, %s, %e');

/** A second count bounded by the first: nonzero(gather(x, flatten(nonzero(y)))). */
const CHAINED = mod('%x: f32[k,3], %y: f32[k]', '%a: i64[1,?], %z: i64[2,?], %s: f32[3]', [
  '%a = nonzero(%y) : i64[1,?]',
  '%m1 = const {value = dense<[-1]> : i64[1]} : i64[1]',
  '%f = reshape(%a, %m1) : i64[?]',
  '%g = gather(%x, %f) {axis = 0} : f32[?,3]',
  '%z = nonzero(%g) : i64[2,?]',
  '%ax = const {value = dense<[0]> : i64[1]} : i64[1]',
  '%s = reduce_sum(%g, %ax) {keepdims = 0} : f32[3]',
], '%a, %z, %s');

/** Rows, then columns: the second compress keeps the first one's count as its other dim. */
const ROWS_COLS = mod('%x: f32[n,m], %c: bool[n], %d: bool[m]', '%z: f32[?,?]', [
  '%y = compress(%x, %c) {axis = 0} : f32[?,m]',
  '%z = compress(%y, %d) {axis = 1} : f32[?,?]',
], '%z');

/** A loop (trip count from input data) between two counting ops: its body reads the first count's sum, the second counts its scan output. */
const AROUND_LOOP = `module @m {
  func @main(%n: i64[], %a0: f32[3], %x: f32[k]) -> (%r: f32[3], %q: i64[2,?], %nz: i64[1,?]) {
    %nz = nonzero(%x) : i64[1,?]
    %f = cast(%nz) {to = f32} : f32[1,?]
    %sum = reduce_sum(%f) {keepdims = 0} : f32[]
    %r, %z = loop(%n, none, %a0) : (f32[3], f32[?,3]) {
    ^(%i: i64[], %ci: bool[], %a: f32[3]):
      %fi = cast(%i) {to = f32} : f32[]
      %a2 = add(%a, %fi) : f32[3]
      %a3 = sub(%a2, %sum) : f32[3]
      yield %ci, %a3, %a3
    }
    %q = nonzero(%z) : i64[2,?]
    return %r, %q, %nz
  }
}`;

const BACKENDS: readonly Backend[] = ['wasm', 'webgpu'];

describe.each(BACKENDS)('counted dims (%s)', (backend) => {
  it('dims derived from the count (reshape -1, concat, gather_nd): one instance, counts 0, between, and the bound', async () => {
    const cm = await load(backend, DERIVED);
    try {
      expect(cm.counted).toEqual(['nonzero_count0']);
      const cases: Tensor[] = [
        mask([3, 4], 0.5, 1),
        tensorFrom('f32', [3, 4], new Array(12).fill(0.25)), // count 0
        tensorFrom('f32', [3, 4], new Array(12).fill(1)), // count == bound (12)
        mask([3, 4], 0.3, 2),
      ];
      const counts: number[] = [];
      for (const x of cases) {
        const got = await cm.run([x]);
        expectExact(got, interp(DERIVED, [x]));
        counts.push(got[0]!.shape[1]!);
      }
      expect(counts[1]).toBe(0);
      expect(counts[2]).toBe(12);
    } finally {
      await cm.dispose();
    }
  });

  it('runs A, B, A, B with the same input shapes and different counts: no stale binding (O2)', async () => {
    const cm = await load(backend, DERIVED, 'O2');
    try {
      const a = mask([5, 3], 0.8, 3), b = mask([5, 3], 0.2, 4);
      const na = interp(DERIVED, [a])[0]!.shape[1]!, nb = interp(DERIVED, [b])[0]!.shape[1]!;
      expect(na).not.toBe(nb);
      for (const x of [a, b, a, b, a]) expectExact(await cm.run([x]), interp(DERIVED, [x]));
    } finally {
      await cm.dispose();
    }
  });

  it('symbolic input dims: sizes up and down on one instance (1, primes, empty)', async () => {
    const cm = await load(backend, DERIVED);
    try {
      for (const [s, seed] of [[[2, 3], 5], [[7, 5], 6], [[1, 1], 7], [[0, 3], 8], [[11, 2], 9], [[3, 1], 10]] as const) {
        const x = mask(s, 0.5, seed);
        expectExact(await cm.run([x]), interp(DERIVED, [x]));
      }
    } finally {
      await cm.dispose();
    }
  });

  it('a count bounded by an earlier count (nonzero of a gather by nonzero)', async () => {
    const cm = await load(backend, CHAINED);
    try {
      expect(cm.counted).toEqual(['nonzero_count0', 'nonzero_count1']);
      for (const [k, seed] of [[6, 1], [1, 2], [7, 3], [0, 4], [5, 5], [6, 6]] as const) {
        const ins = [mask([k, 3], 0.5, seed), mask([k], 0.6, seed + 50)];
        expectExact(await cm.run(ins), interp(CHAINED, ins));
      }
      // All zero: every count is 0.
      const zero = [tensorFrom('f32', [4, 3], new Array(12).fill(0)), tensorFrom('f32', [4], [0, 0, 0, 0])];
      const got = await cm.run(zero);
      expectExact(got, interp(CHAINED, zero));
      expect(got.map((t) => t.shape)).toEqual([[1, 0], [2, 0], [3]]);
    } finally {
      await cm.dispose();
    }
  });

  it('compress of rows, then of columns: the result is [rows counted, columns counted]', async () => {
    const cm = await load(backend, ROWS_COLS);
    try {
      expect(cm.counted).toEqual(['compress_count0', 'compress_count1']);
      for (const [n, m, seed] of [[3, 4, 1], [5, 2, 2], [1, 7, 3], [4, 4, 4]] as const) {
        const r = rng(seed);
        const bits = (k: number): Tensor => tensorFrom('bool', [k], Array.from({ length: k }, () => (r() < 0.5 ? 1 : 0)));
        const ins = [mask([n, m], 0.5, seed), bits(n), bits(m)];
        expectExact(await cm.run(ins), interp(ROWS_COLS, ins));
      }
    } finally {
      await cm.dispose();
    }
  });

  it('a loop run a data-given number of times between two counting ops', async () => {
    const cm = await load(backend, AROUND_LOOP);
    try {
      expect(cm.counted).toEqual(['nonzero_count0', 'nonzero_count1']);
      for (const [trips, a0, x] of [[3, [0, -1, 2], [0, 1, 0, 0]], [0, [0, 1, 0], [2, 0]], [4, [1, 2, 3], [0, 0, 0]], [1, [0, 0, 0], [1]], [3, [0, -1, 2], [0, 1, 0, 0]]] as const) {
        const ins = [tensorFrom('i64', [], [BigInt(trips)]), tensorFrom('f32', [3], [...a0]), tensorFrom('f32', [x.length], [...x])];
        expectExact(await cm.run(ins), interp(AROUND_LOOP, ins));
      }
    } finally {
      await cm.dispose();
    }
  });

  it('a bound over input data (nonzero of a reshape to a shape given as input, -1 included)', async () => {
    // Imported from ONNX: the reshape's dims are expressions over the data symbols %s[0], %s[1].
    const text = printModule(importOnnxBytes(buildModel({
      opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape: [12] }, { name: 's', dtype: 'i64', shape: [2] }], outputs: [{ name: 'nz', dtype: 'i64' }],
      nodes: [{ opType: 'Reshape', inputs: ['x', 's'], outputs: ['r'] }, { opType: 'NonZero', inputs: ['r'], outputs: ['nz'] }],
    }), { file: 'm.onnx', baseDir: '.' }));
    expect(text).toContain('%s[0]');
    const cm = await load(backend, text);
    try {
      const x = tensorFrom('f32', [12], [0, 1, 0, 0, 2, 0, 0, 0, 3, 0, 0, 4]);
      for (const s of [[3n, 4n], [6n, -1n], [-1n, 3n], [-1n, 1n], [3n, 4n]]) {
        const ins = [x, tensorFrom('i64', [2], s)];
        expectExact(await cm.run(ins), interp(text, ins));
      }
    } finally {
      await cm.dispose();
    }
  });

  it('profile() times every kernel of a counted model, and a run after it is still right', async () => {
    const cm = await load(backend, CHAINED);
    try {
      const ins = [mask([5, 3], 0.5, 11), mask([5], 0.6, 12)];
      const times = await cm.profile(ins);
      expect(times).toHaveLength(cm.kernels);
      for (const t of times) expect(t.ms).toBeGreaterThanOrEqual(0);
      expectExact(await cm.run(ins), interp(CHAINED, ins));
      const other = [mask([5, 3], 0.9, 13), mask([5], 0.1, 14)];
      await cm.profile(other);
      expectExact(await cm.run(other), interp(CHAINED, other));
    } finally {
      await cm.dispose();
    }
  });

  it('runs started together (not awaited one by one) each get their own counts', async () => {
    const cm = await load(backend, DERIVED);
    try {
      const xs = [mask([4, 4], 0.9, 21), mask([4, 4], 0.1, 22), mask([2, 7], 0.5, 23), mask([4, 4], 0.9, 21)];
      const got = await Promise.all(xs.map((x) => cm.run([x])));
      got.forEach((g, i) => expectExact(g, interp(DERIVED, [xs[i]!])));
    } finally {
      await cm.dispose();
    }
  });

  it('only the count is used (the shape of the nonzero result): the counting op still runs', async () => {
    const text = mod('%x: f32[n]', '%s: i64[2], %c: f32[?,?]', [
      '%nz = nonzero(%x) : i64[1,?]',
      '%s = shape(%nz) : i64[2]',
      '%c = constant_of_shape(%s) {value = dense<[2.0]> : f32[1]} : f32[?,?]',
    ], '%s, %c');
    const cm = await load(backend, text);
    try {
      for (const x of [tensorFrom('f32', [5], [0, 1, 0, 2, 3]), tensorFrom('f32', [3], [0, 0, 0]), tensorFrom('f32', [2], [1, 1])]) {
        expectExact(await cm.run([x]), interp(text, [x]));
      }
    } finally {
      await cm.dispose();
    }
  });

  it('a count that must match an input dim (broadcast add) is checked once counted, by name', async () => {
    const text = mod('%x: f32[n], %y: f32[m]', '%z: f32[?]', [
      '%nz = nonzero(%x) : i64[1,?]',
      '%m1 = const {value = dense<[-1]> : i64[1]} : i64[1]',
      '%f = reshape(%nz, %m1) : i64[?]',
      '%g = cast(%f) {to = f32} : f32[?]',
      '%z = add(%g, %y) : f32[?]',
    ], '%z');
    const cm = await load(backend, text);
    try {
      for (const ins of [[tensorFrom('f32', [5], [0, 1, 0, 2, 3]), tensorFrom('f32', [3], [10, 20, 30])], [tensorFrom('f32', [4], [0, 1, 0, 0]), tensorFrom('f32', [3], [1, 2, 3])]]) {
        expectExact(await cm.run(ins), interp(text, ins));
      }
      const bad = [tensorFrom('f32', [5], [0, 1, 0, 2, 0]), tensorFrom('f32', [3], [1, 2, 3])];
      expect(() => interp(text, bad)).toThrow();
      await expect(cm.run(bad)).rejects.toThrow(/^tenth runtime: these inputs do not fit the model: add %z(\.in)? at test\.ir:7:5: operand %g dim 0 \('nonzero_count0'\) does not broadcast to 'max\(m,nonzero_count0\)'/);
    } finally {
      await cm.dispose();
    }
  });

  it('a bad index before the counting op is reported as that index, not as a count', async () => {
    const text = mod('%x: f32[n], %i: i64[k]', '%nz: i64[1,?]', ['%g = gather(%x, %i) {axis = 0} : f32[k]', '%nz = nonzero(%g) : i64[1,?]'], '%nz');
    const cm = await load(backend, text);
    try {
      const x = tensorFrom('f32', [4], [1, 0, 2, 3]);
      const bad = [x, tensorFrom('i64', [3], [0, 7, 1])];
      expect(() => interp(text, bad)).toThrow(/index 7 is out of range for a dim of size 4/);
      await expect(cm.run(bad)).rejects.toThrow(/^tenth runtime: gather %g at test\.ir:3:5: index 7 is out of range for a dim of size 4 \(valid: -4 to 3\)$/);
      const good = [x, tensorFrom('i64', [5], [0, 1, -1, 1, 2])];
      expectExact(await cm.run(good), interp(text, good));
    } finally {
      await cm.dispose();
    }
  });

  it('a condition on a counted dim (arg_max over the count) is tested once counted: refused by name when empty', async () => {
    const text = mod('%x: f32[n]', '%a: i64[1]', ['%nz = nonzero(%x) : i64[1,?]', '%a = arg_max(%nz) {axis = 1, keepdims = 0} : i64[1]'], '%a');
    const cm = await load(backend, text);
    try {
      const some = [tensorFrom('f32', [5], [0, 3, 0, 1, 0])];
      expectExact(await cm.run(some), interp(text, some));
      const none = [tensorFrom('f32', [5], [0, 0, 0, 0, 0])];
      expect(() => interp(text, none)).toThrow(/cannot take the arg of an empty axis/);
      await expect(cm.run(none)).rejects.toThrow(/^tenth runtime: these inputs do not fit the model: arg_max %a at test\.ir:4:5: cannot take the arg of an empty axis/);
      expectExact(await cm.run(some), interp(text, some));
    } finally {
      await cm.dispose();
    }
  });
});

describe('counted dims (wasm, threaded module on 2 threads)', () => {
  it('gives the interpreter results, counts varying run by run, and profiles', async () => {
    for (const text of [DERIVED, CHAINED]) {
      const cm = await load('wasm-threads', text);
      try {
        for (const seed of [1, 2, 3, 1]) {
          const ins = text === DERIVED ? [mask([6, 5], 0.1 + 0.25 * seed, seed)] : [mask([7, 3], 0.5, seed), mask([7], 0.3 * seed, seed + 9)];
          expectExact(await cm.run(ins), interp(text, ins));
        }
        // profile() runs the counting kernels on the main thread alone, then times each kernel.
        const ins = text === DERIVED ? [mask([6, 5], 0.5, 7)] : [mask([7, 3], 0.5, 7), mask([7], 0.5, 8)];
        expect(await cm.profile(ins)).toHaveLength(cm.kernels);
        expectExact(await cm.run(ins), interp(text, ins));
      } finally {
        await cm.dispose();
      }
    }
  });
});
