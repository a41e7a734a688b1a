// Control flow on the webgpu backend (scan, if, loop, nested; control-flow.ts): compiled modules
// run on Dawn + SwiftShader against the interpreter, with and without O2 (fused groups inside
// bodies), symbolic scan lengths and trip counts read from input data (one compile, several
// bindings), loops whose condition turns false early (predicated iterations); the refusals (E201,
// E205); identical bytes twice; Tint and naga over every shader; the runtime's repeat order.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../../ir/diagnostics.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { parseModule } from '../../../ir/parser.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { encodeRepeats, type MRepeat } from '../../../src/runtime/webgpu-repeat.js';
import {
  IF_DIFFERENT_SHAPES, IF_TWO_RESULTS, LOOP_RUN_TIME_SCAN_OUTPUT, LOOP_TRIP_COUNT, loopModule, NESTED_LOOP_SCAN_IF,
  SCAN_MATMUL_RECURRENCE, SCAN_ROTATING_STATE, scanModule,
} from '../control-flow-cases.js';
import { compileText, expectClose, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const i64 = (v: number): Tensor => tensorFrom('i64', [], [v]);
const bool = (v: boolean): Tensor => tensorFrom('bool', [], [v ? 1 : 0]);

const seen: CompiledWebGpu[] = [];
/** One compile (Tint-validated, kept for naga), run for each input set against the interpreter. */
async function check(text: string, inputSets: readonly (readonly Tensor[])[], passes: string): Promise<CompiledWebGpu> {
  const c = compileText(text, passes);
  seen.push(c);
  expect(await validateShaders(c)).toEqual([]);
  for (const inputs of inputSets) expectClose(await runCompiled(c, inputs), interpText(text, inputs));
  return c;
}

/** The diagnostic a compile fails with. */
function compileError(text: string): string {
  try {
    compileText(text, 'O2');
  } catch (e) {
    if (e instanceof TenthError) return e.message;
    throw e;
  }
  return 'compiled';
}

describe('webgpu scan vs interpreter', () => {
  it('random lengths, widths, axes and directions (fuse and O2)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 3, 4, 7),
      fc.array(fc.nat(1), { minLength: 8, maxLength: 8 }), fc.constantFrom('fuse', 'O2'), fc.integer(),
      async (L, B, bits, passes, seed) => {
        const text = scanModule(L, B, bits.slice(0, 2), bits.slice(2, 4), bits.slice(4, 6), bits.slice(6, 8));
        const sh = (ax: number): number[] => (ax === 0 ? [L, B] : [B, L]);
        await check(text, [[rand([B], seed), rand(sh(bits[0]!), seed + 1), rand(sh(bits[1]!), seed + 2), rand([B], seed + 3)]], passes);
      }), { numRuns: 5 });
  });

  it('a symbolic scan length: one compile, the runtime repeats the body T times', async () => {
    const text = scanModule('T', 3, [1, 0], [1, 0], [0, 1], [0, 1]);
    const c = await check(text, [1, 4, 0, 7].map((T) => [rand([3], T), rand([3, T], T + 1), rand([T, 3], T + 2), rand([3], T + 3)]), 'O2');
    expect(c.manifest.repeats?.map((r) => r.count)).toEqual([{ dims: ['T'], div: 1 }]);
  });

  it('state values that rotate (a state fed from another state argument), a state passed through', async () => {
    const text = SCAN_ROTATING_STATE;
    await check(text, [[rand([4], 1), rand([4], 2), rand([4], 3), rand([5, 4], 4)]], 'O2');
  });

  it('a matmul recurrence (linear-attention-like state update, tiled kernels in the body)', async () => {
    const text = SCAN_MATMUL_RECURRENCE;
    for (const passes of ['fuse', 'O2']) await check(text, [[rand([2, 3, 3], 5), rand([6, 2, 3, 1], 6), rand([6, 2, 1, 3], 7)]], passes);
  });
});

describe('webgpu if vs interpreter', () => {
  const text = IF_TWO_RESULTS;
  it('runs the branch the condition picks, read on the GPU (both conditions, fuse and O2)', async () => {
    for (const passes of ['fuse', 'O2']) await check(text, [true, false].map((c) => [bool(c), rand([2, 5], 1), rand([2, 5], 2)]), passes);
  });

  it('refuses a branch whose yield does not fit the result (E201 naming the op and branch)', () => {
    const bad = `module @m {
  func @main(%c: bool[], %x: f32[3], %y: f32[4]) -> (%r: f32[3]) {
    %r = if(%c) : f32[3] {
      yield %x
    } {
      yield %y
    }
    return %r
  }
}`;
    expect(compileError(bad)).toMatch(/E201.*cannot lower if %r: else branch yields f32\[4\] for result 0 of type f32\[3\]/s);
  });

  it('refuses branches of different shapes (E205) naming the op', () => {
    const bad = IF_DIFFERENT_SHAPES;
    expect(compileError(bad)).toMatch(/E205.*webgpu backend cannot lower if: result %r : f32\[\?\]: the branches yield values of different shapes/s);
  });
});

describe('webgpu loop vs interpreter', () => {
  it('trip count and initial condition read from input data, a condition that turns false early (predicated iterations)', async () => {
    // One compile per pass list; trips 0..9 and limits that stop the loop early, late or never.
    for (const passes of ['fuse', 'O2']) {
      const sets = fc.sample(fc.tuple(fc.constantFrom(1, 3, 7), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -5, max: 80 }), fc.boolean(), fc.integer()), { numRuns: 6, seed: passes.length });
      for (const B of [1, 3, 7]) {
        const mine = sets.filter((s) => s[0] === B);
        if (mine.length === 0) continue;
        // A negative trip count runs no iteration, as ONNX says.
        const trips = mine.map(([, trip, lim, c, seed]) => [i64(trip), bool(c), rand([B], seed), tensorFrom('f32', [], [lim])]);
        await check(loopModule(B, null, true), [...trips, [i64(-2), bool(true), rand([B], 9), tensorFrom('f32', [], [50])]], passes);
      }
    }
  });

  it('scan outputs sized from a trip count that is a constant, an input dim or input data (the body cannot stop early)', async () => {
    const { constant, fromDim, fromData } = LOOP_TRIP_COUNT;
    await check(constant, [[rand([3], 1), rand([5, 3], 2)]], 'O2');
    await check(fromDim, [1, 2, 6].map((T) => [rand([3], T), rand([T, 3], T + 1)]), 'fuse');
    const c = await check(fromData, [0, 1, 4].map((n) => [i64(n), rand([3], n)]), 'O2');
    expect(c.manifest.dataSymbols).toBeDefined();
  });

  it('a condition yielded from a carried value (read before the state copies overwrite it)', async () => {
    const text = `module @m {
  func @main(%n: i64[], %g0: bool[], %a0: f32[2]) -> (%g: bool[], %r: f32[2]) {
    %g, %r = loop(%n, %g0, %g0, %a0) : (bool[], f32[2]) {
    ^(%i: i64[], %ci: bool[], %g1: bool[], %a: f32[2]):
      %a2 = add(%a, %a) : f32[2]
      %lim = const {value = dense<3> : i64[]} : i64[]
      %go = less(%i, %lim) : bool[]
      yield %g1, %go, %a2
    }
    return %g, %r
  }
}`;
    await check(text, [[i64(9), bool(true), rand([2], 3)], [i64(2), bool(true), rand([2], 4)], [i64(9), bool(false), rand([2], 5)]], 'fuse');
  });

  it('iterations after the condition turned false do nothing: a gather at the iteration index would be out of range', async () => {
    // while i < 4: acc += x[i], with max_trip_count 9: an unpredicated 5th iteration would read x[4].
    const text = `module @m {
  func @main(%n: i64[], %x: f32[4], %a0: f32[]) -> (%r: f32[]) {
    %r = loop(%n, none, %a0) : f32[] {
    ^(%i: i64[], %ci: bool[], %a: f32[]):
      %g = gather(%x, %i) {axis = 0} : f32[]
      %a2 = add(%a, %g) : f32[]
      %one = const {value = dense<1> : i64[]} : i64[]
      %j = add(%i, %one) : i64[]
      %four = const {value = dense<4> : i64[]} : i64[]
      %co = less(%j, %four) : bool[]
      yield %co, %a2
    }
    return %r
  }
}`;
    await check(text, [[i64(9), rand([4], 1), tensorFrom('f32', [], [0.5])], [i64(2), rand([4], 2), tensorFrom('f32', [], [0])]], 'O2');
  });

  it('refuses a loop without a trip count (E201) and a scan output of run-time length (E205)', () => {
    expect(compileError(loopModule(3, null, false))).toMatch(/E201.*cannot lower loop %r: it has no trip count \(max_trip_count omitted\)/s);
    const bad = LOOP_RUN_TIME_SCAN_OUTPUT;
    expect(compileError(bad)).toMatch(/E205.*cannot lower loop: scan output %z : f32\[\?,3\] has a length known only at run time/s);
  });

  it('refuses a trip count computed from tensor values (E201 naming the op and why)', () => {
    const text = `module @m {
  func @main(%x: f32[4], %a0: f32[2]) -> (%r: f32[2]) {
    %s = reduce_sum(%x) {keepdims = 0} : f32[]
    %n = cast(%s) {to = i64} : i64[]
    %r = loop(%n, none, %a0) : f32[2] {
    ^(%i: i64[], %ci: bool[], %a: f32[2]):
      %a2 = add(%a, %a) : f32[2]
      yield %ci, %a2
    }
    return %r
  }
}`;
    expect(compileError(text)).toMatch(/E201.*cannot lower loop %r: its trip count is neither a constant, an input dim nor the data of a graph input/s);
  });
});

describe('webgpu nested control flow vs interpreter', () => {
  const text = NESTED_LOOP_SCAN_IF;
  it('a scan inside a loop, an if inside the scan (nested repeats, predicated branches)', async () => {
    for (const passes of ['fuse', 'O2']) {
      await check(text, ([[0, true], [1, false], [3, true], [5, false]] as const).map(([trip, flag]) => [i64(trip), rand([3], trip + 1), rand([4, 3], trip + 2), bool(flag)]), passes);
    }
  });

  it('an if inside a loop whose condition turns false (both predicates on one dispatch)', async () => {
    const t = `module @m {
  func @main(%n: i64[], %a0: f32[5], %flag: bool[]) -> (%r: f32[5]) {
    %r = loop(%n, none, %a0) : f32[5] {
    ^(%i: i64[], %ci: bool[], %a: f32[5]):
      %b = if(%flag) : f32[5] {
        %m = mul(%a, %a) : f32[5]
        yield %m
      } {
        %one = const {value = dense<1> : f32[]} : f32[]
        %d = add(%a, %one) : f32[5]
        yield %d
      }
      %s = reduce_max(%b) {keepdims = 0} : f32[]
      %lim = const {value = dense<4> : f32[]} : f32[]
      %go = less(%s, %lim) : bool[]
      yield %go, %b
    }
    return %r
  }
}`;
    await check(t, [[i64(8), rand([5], 1), bool(false)], [i64(8), rand([5], 2), bool(true)], [i64(2), rand([5], 3), bool(false)]], 'O2');
  });

  it('--f16: values of control flow stay f32 (state would round every iteration), a temp outside goes half; Tint accepts the shaders', async () => {
    const t = `module @m {
  func @main(%s0: f32[4], %x: f32[T,4]) -> (%s: f32[4], %z: f32[T,4]) {
    %x2 = mul(%x, %x) : f32[T,4]
    %s, %z = scan(%s0, %x2) {num_scan_inputs = 1} : (f32[4], f32[T,4]) {
    ^(%si: f32[4], %xt: f32[4]):
      %n = add(%si, %xt) : f32[4]
      %o = tanh(%n) : f32[4]
      yield %o, %n
    }
    return %s, %z
  }
}`;
    const c = compileWebGpu(parseModule(t, { file: 'test.ir' }), { passes: 'fuse', f16: true, subgroups: true });
    expect(c.manifest.buffers.filter((b) => b.arena === 'half').map((b) => b.name)).toEqual(['x2']);
    expect(await validateShaders(c)).toEqual([]);
  });

  it('a scan inside an if branch (a repeated range whose dispatches are predicated)', async () => {
    const t = `module @m {
  func @main(%c: bool[], %s0: f32[3], %x: f32[T,3]) -> (%r: f32[3]) {
    %r = if(%c) : f32[3] {
      %s, %z = scan(%s0, %x) {num_scan_inputs = 1} : (f32[3], f32[T,3]) {
      ^(%si: f32[3], %xt: f32[3]):
        %n = add(%si, %xt) : f32[3]
        yield %n, %si
      }
      yield %s
    } {
      %neg = neg(%s0) : f32[3]
      yield %neg
    }
    return %r
  }
}`;
    await check(t, [[bool(true), rand([3], 1), rand([4, 3], 2)], [bool(false), rand([3], 3), rand([2, 3], 4)], [bool(true), rand([3], 5), rand([1, 3], 6)]], 'fuse');
  });

  it('compiles to identical bytes twice', () => {
    const a = compileText(text, 'O2'), b = compileText(text, 'O2');
    expect(b.shaders).toEqual(a.shaders);
    expect(JSON.stringify(b.manifest)).toBe(JSON.stringify(a.manifest));
    expect(a.manifest.repeats?.length).toBe(2);
  });

  it('naga accepts every shader compiled above', async () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(await nagaErrors(seen.map((c, n) => ({ name: String(n), c })))).toEqual([]);
  }, 60_000);
});

describe('runtime repeats (webgpu-repeat.ts)', () => {
  /** The dispatch order by plain recursion over the ranges (each repeat as a nested loop). */
  function naive(n: number, reps: readonly MRepeat[], bind: Record<string, number>): number[] {
    const times = (r: MRepeat): number => Math.max(0, r.count.dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : bind[d]!), 1));
    const out: number[] = [];
    const go = (from: number, to: number, inside: readonly MRepeat[]): void => {
      for (let k = from; k < to;) {
        const r = inside.find((x) => x.from === k && !inside.some((y) => y !== x && y.from <= x.from && y.to >= x.to && (y.from < x.from || y.to > x.to)));
        if (!r) { out.push(k++); continue; }
        const inner = inside.filter((x) => x !== r && x.from >= r.from && x.to <= r.to);
        for (let t = 0; t < times(r); t++) go(r.from, r.to, inner);
        k = r.to;
      }
    };
    go(0, n, reps);
    return out;
  }
  it('nested and sibling ranges, counts from symbols, zero counts', () => {
    const reps: MRepeat[] = [
      { from: 1, to: 7, count: { dims: ['n'], div: 1 } },
      { from: 2, to: 4, count: { dims: [3], div: 1 } },
      { from: 5, to: 6, count: { dims: ['m'], div: 1 } },
      { from: 8, to: 10, count: { dims: [2], div: 1 } },
    ];
    for (const bind of [{ n: 2, m: 0 }, { n: 0, m: 4 }, { n: 1, m: 1 }, { n: -3, m: 2 }]) {
      const got: number[] = [];
      encodeRepeats({ kernels: Array(11), repeats: reps }, bind, (k) => got.push(k));
      expect(got).toEqual(naive(11, reps, bind));
    }
    const got: number[] = [];
    encodeRepeats({ kernels: Array(3) }, {}, (k) => got.push(k));
    expect(got).toEqual([0, 1, 2]);
    // A runaway trip count is refused before any dispatch is recorded.
    const none: number[] = [];
    expect(() => encodeRepeats({ kernels: Array(11), repeats: reps }, { n: 3000, m: 3000 }, (k) => none.push(k))).toThrow(expect.objectContaining({ code: 'E503' }));
    expect(() => encodeRepeats({ kernels: Array(11), repeats: reps }, { n: 3000, m: 3000 }, (k) => none.push(k))).toThrow(/repeat the loop and scan bodies past 4194304 dispatches in one run \(n=3000, m=3000\)/);
    expect(none).toEqual([]);
  });
});
