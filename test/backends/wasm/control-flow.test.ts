// Control flow through the wasm backend (scan, if, loop, nested): compiled modules against the
// interpreter on random sizes (1, odd, primes), axes, directions, symbolic scan lengths, with and
// without O2 (fused groups inside bodies, plan-memory); plus the E205 refusals.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../../ir/diagnostics.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { expectClose, interpText, runWasm } from './helpers.js';

function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return tensorFrom('f32', shape, v);
}
const ty = (s: readonly (number | string)[], dt = 'f32'): string => `${dt}[${s.join(',')}]`;
const i64 = (v: number): Tensor => tensorFrom('i64', [], [v]);
const bool = (v: boolean): Tensor => tensorFrom('bool', [], [v ? 1 : 0]);

async function check(text: string, inputs: readonly Tensor[], passes: string): Promise<void> {
  expectClose(await runWasm(text, inputs, passes), interpText(text, inputs));
}

/** The E205/E201 diagnostic a compile fails with. */
async function compileError(text: string): Promise<string> {
  try {
    await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'O2' });
  } catch (e) {
    if (e instanceof TenthError) return e.message;
    throw e;
  }
  return 'compiled';
}

/**
 * Scan with two scan inputs (axes and directions given), an outer value read by the body, and two
 * scan outputs (axes and directions given). State [B]; scan inputs [L,B] (axis 0) or [B,L] (axis 1).
 */
function scanModule(L: number | string, B: number, inAx: number[], inDir: number[], outAx: number[], outDir: number[]): string {
  const sh = (ax: number): (number | string)[] => (ax === 0 ? [L, B] : [B, L]);
  return `module @m {
  func @main(%s0: ${ty([B])}, %x: ${ty(sh(inAx[0]!))}, %y: ${ty(sh(inAx[1]!))}, %w: ${ty([B])}) -> (%s: ${ty([B])}, %z: ${ty(sh(outAx[0]!))}, %u: ${ty(sh(outAx[1]!))}) {
    %s, %z, %u = scan(%s0, %x, %y) {num_scan_inputs = 2, scan_input_axes = [${inAx}], scan_input_directions = [${inDir}], scan_output_axes = [${outAx}], scan_output_directions = [${outDir}]} : (${ty([B])}, ${ty(sh(outAx[0]!))}, ${ty(sh(outAx[1]!))}) {
    ^(%si: ${ty([B])}, %xt: ${ty([B])}, %yt: ${ty([B])}):
      %a = mul(%si, %w) : ${ty([B])}
      %b = add(%a, %xt) : ${ty([B])}
      %t = tanh(%b) : ${ty([B])}
      %o = mul(%t, %yt) : ${ty([B])}
      yield %t, %o, %si
    }
    return %s, %z, %u
  }
}`;
}

describe('wasm scan vs interpreter', () => {
  it('random lengths, widths, axes and directions (fuse and O2)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2, 3, 5, 7), fc.constantFrom(1, 3, 4, 5, 11),
      fc.array(fc.nat(1), { minLength: 8, maxLength: 8 }), fc.constantFrom('fuse', 'O2'), fc.integer(),
      async (L, B, bits, passes, seed) => {
        const text = scanModule(L, B, bits.slice(0, 2), bits.slice(2, 4), bits.slice(4, 6), bits.slice(6, 8));
        const sh = (ax: number): number[] => (ax === 0 ? [L, B] : [B, L]);
        await check(text, [rand([B], seed), rand(sh(bits[0]!), seed + 1), rand(sh(bits[1]!), seed + 2), rand([B], seed + 3)], passes);
      }), { numRuns: 24 });
  });

  it('a symbolic scan length: one module for every length', async () => {
    const text = scanModule('T', 3, [1, 0], [1, 0], [0, 1], [0, 1]);
    for (const T of [1, 4, 7]) await check(text, [rand([3], T), rand([3, T], T + 1), rand([T, 3], T + 2), rand([3], T + 3)], 'O2');
  });

  it('state values that rotate (a state fed from another state argument), a state passed through', async () => {
    const text = `module @m {
  func @main(%a0: f32[4], %b0: f32[4], %c0: f32[4], %x: f32[5,4]) -> (%a: f32[4], %b: f32[4], %c: f32[4], %z: f32[5,4]) {
    %a, %b, %c, %z = scan(%a0, %b0, %c0, %x) {num_scan_inputs = 1} : (f32[4], f32[4], f32[4], f32[5,4]) {
    ^(%ai: f32[4], %bi: f32[4], %ci: f32[4], %xt: f32[4]):
      %n = add(%bi, %xt) : f32[4]
      yield %n, %ai, %ci, %ai
    }
    return %a, %b, %c, %z
  }
}`;
    await check(text, [rand([4], 1), rand([4], 2), rand([4], 3), rand([5, 4], 4)], 'O2');
  });

  it('a matmul recurrence (linear-attention-like state update) in the body', async () => {
    const text = `module @m {
  func @main(%s0: f32[2,3,3], %k: f32[6,2,3,1], %v: f32[6,2,1,3]) -> (%s: f32[2,3,3], %o: f32[6,2,1,3]) {
    %s, %o = scan(%s0, %k, %v) {num_scan_inputs = 2} : (f32[2,3,3], f32[6,2,1,3]) {
    ^(%si: f32[2,3,3], %kt: f32[2,3,1], %vt: f32[2,1,3]):
      %outer = matmul(%kt, %vt) : f32[2,3,3]
      %so = add(%si, %outer) : f32[2,3,3]
      %r = matmul(%vt, %so) : f32[2,1,3]
      yield %so, %r
    }
    return %s, %o
  }
}`;
    for (const passes of ['fuse', 'O2']) await check(text, [rand([2, 3, 3], 5), rand([6, 2, 3, 1], 6), rand([6, 2, 1, 3], 7)], passes);
  });
});

describe('wasm if vs interpreter', () => {
  const text = `module @m {
  func @main(%c: bool[], %x: f32[2,5], %y: f32[2,5]) -> (%r: f32[2,5], %q: f32[5]) {
    %r, %q = if(%c) : (f32[2,5], f32[5]) {
      %a = mul(%x, %y) : f32[2,5]
      %ax = const {value = dense<[0]> : i64[1]} : i64[1]
      %s = reduce_sum(%a, %ax) {keepdims = 0} : f32[5]
      yield %a, %s
    } {
      %k = const {value = dense<[1, 2, 3, 4, 5]> : f32[5]} : f32[5]
      %b = sub(%x, %k) : f32[2,5]
      yield %b, %k
    }
    return %r, %q
  }
}`;
  it('runs the branch the condition picks (both conditions, fuse and O2)', async () => {
    for (const passes of ['fuse', 'O2']) {
      for (const c of [true, false]) await check(text, [bool(c), rand([2, 5], 1), rand([2, 5], 2)], passes);
    }
  });

  it('refuses branches of different shapes with E205 naming the op', async () => {
    const bad = `module @m {
  func @main(%c: bool[], %x: f32[3]) -> (%r: f32[?]) {
    %r = if(%c) : f32[?] {
      %d = concat(%x, %x) {axis = 0} : f32[6]
      yield %d
    } {
      yield %x
    }
    return %r
  }
}`;
    expect(await compileError(bad)).toMatch(/E205.*cannot lower if: result %r : f32\[\?\]: the branches yield values of different shapes/s);
  });
});

/** acc += i (broadcast) while sum(acc) < lim; stacks acc per iteration when `rows` is given. */
function loopModule(B: number, rows: number | null, withMax: boolean): string {
  const outs = rows === null ? `(${ty([B])})` : `(${ty([B])}, ${ty([rows, B])})`;
  const res = rows === null ? '%r' : '%r, %z';
  return `module @m {
  func @main(%n: i64[], %c: bool[], %a0: ${ty([B])}, %lim: f32[]) -> (%r: ${ty([B])}${rows === null ? '' : `, %z: ${ty([rows, B])}`}) {
    ${res} = loop(${withMax ? '%n' : 'none'}, %c, %a0) : ${outs} {
    ^(%i: i64[], %ci: bool[], %a: ${ty([B])}):
      %fi = cast(%i) {to = f32} : f32[]
      %a2 = add(%a, %fi) : ${ty([B])}
      %s = reduce_sum(%a2) {keepdims = 0} : f32[]
      %co = less(%s, %lim) : bool[]
      yield %co, %a2${rows === null ? '' : ', %a2'}
    }
    return ${res}
  }
}`;
}

describe('wasm loop vs interpreter', () => {
  it('trip count and condition read at run time, carried value of fixed shape', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2, 3, 7), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -5, max: 80 }), fc.boolean(), fc.boolean(),
      fc.constantFrom('fuse', 'O2'), fc.integer(),
      async (B, trip, lim, c, withMax, passes, seed) => {
        await check(loopModule(B, null, withMax), [i64(trip), bool(c || !withMax), rand([B], seed), tensorFrom('f32', [], [lim])], passes);
      }), { numRuns: 20 });
  });

  it('scan outputs when their row count is declared (every iteration runs)', async () => {
    for (const [B, T] of [[1, 1], [3, 4], [5, 7]] as const) {
      await check(loopModule(B, T, true), [i64(T), bool(true), rand([B], B), tensorFrom('f32', [], [1e9])], 'O2');
    }
  });

  it('scan outputs sized from a trip count that is a constant, an input dim or input data (the body cannot stop early)', async () => {
    const body = (cond: string, c = '%co'): string => `^(%i: i64[], %ci: bool[], %a: f32[3]):
      %fi = cast(%i) {to = f32} : f32[]
      %a2 = add(%a, %fi) : f32[3]
      ${cond}
      yield ${c}, %a2, %a2
    }`;
    const constant = `module @m {
  func @main(%a0: f32[3], %w: f32[5,3]) -> (%r: f32[3], %y: f32[?,3]) {
    %n = const {value = dense<5> : i64[]} : i64[]
    %r, %z = loop(%n, none, %a0) : (f32[3], f32[?,3]) {
    ${body('%co = const {value = dense<true> : bool[]} : bool[]')}
    %y = mul(%z, %w) : f32[?,3]
    return %r, %y
  }
}`;
    const fromDim = `module @m {
  func @main(%a0: f32[3], %w: f32[T,3]) -> (%r: f32[3], %y: f32[?,3]) {
    %sh = shape(%w) {end = 1} : i64[1]
    %n = squeeze(%sh) : i64[]
    %c = const {value = dense<true> : bool[]} : bool[]
    %r, %z = loop(%n, %c, %a0) : (f32[3], f32[?,3]) {
    ${body('%co = identity(%ci) : bool[]')}
    %y = mul(%z, %w) : f32[?,3]
    return %r, %y
  }
}`;
    const fromData = `module @m {
  func @main(%n: i64[], %a0: f32[3]) -> (%r: f32[3], %z: f32[?,3]) {
    %r, %z = loop(%n, none, %a0) : (f32[3], f32[?,3]) {
    ${body('', '%ci')}
    return %r, %z
  }
}`;
    for (const passes of ['fuse', 'O2']) await check(constant, [rand([3], 1), rand([5, 3], 2)], passes);
    for (const passes of ['fuse', 'O2']) for (const T of [1, 2, 6]) await check(fromDim, [rand([3], T), rand([T, 3], T + 1)], passes);
    for (const passes of ['fuse', 'O2']) for (const n of [0, 1, 4]) await check(fromData, [i64(n), rand([3], n)], passes);
  });

  it('refuses a scan output with a run-time length (E205 naming the op and why)', async () => {
    expect(await compileError(loopModule(3, null, true).replace('%r: f32[3])', '%r: f32[3], %z: f32[?,3])')
      .replace('= loop(%n, %c, %a0) : (f32[3])', ', %z = loop(%n, %c, %a0) : (f32[3], f32[?,3])').replace('yield %co, %a2', 'yield %co, %a2, %a2')
      .replace('return %r', 'return %r, %z')))
      .toMatch(/E205.*cannot lower loop: scan output %z : f32\[\?,3\] has a length known only at run time/s);
  });
});

describe('wasm nested control flow vs interpreter', () => {
  it('a scan inside a loop, an if inside the scan', async () => {
    const text = `module @m {
  func @main(%n: i64[], %h0: f32[3], %x: f32[4,3], %flag: bool[]) -> (%h: f32[3]) {
    %h = loop(%n, none, %h0) : f32[3] {
    ^(%i: i64[], %ci: bool[], %hi: f32[3]):
      %hs, %ys = scan(%hi, %x) {num_scan_inputs = 1} : (f32[3], f32[4,3]) {
      ^(%s: f32[3], %xt: f32[3]):
        %p = if(%flag) : f32[3] {
          %m = mul(%s, %xt) : f32[3]
          yield %m
        } {
          %d = sub(%s, %xt) : f32[3]
          yield %d
        }
        %t = tanh(%p) : f32[3]
        yield %t, %p
      }
      %ho = add(%hs, %hi) : f32[3]
      yield %ci, %ho
    }
    return %h
  }
}`;
    for (const passes of ['fuse', 'O2']) {
      for (const [trip, flag] of [[0, true], [1, false], [3, true], [5, false]] as const) {
        await check(text, [i64(trip), rand([3], trip + 1), rand([4, 3], trip + 2), bool(flag)], passes);
      }
    }
  });

  it('compiles to identical bytes twice', async () => {
    const text = scanModule('T', 3, [1, 0], [1, 0], [0, 1], [0, 1]);
    const a = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'O2' });
    const b = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'O2' });
    expect(Buffer.from(a.wasm).equals(Buffer.from(b.wasm))).toBe(true);
  });
});
