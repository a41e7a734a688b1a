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
import {
  IF_DIFFERENT_SHAPES, IF_TWO_RESULTS, LOOP_RUN_TIME_SCAN_OUTPUT, LOOP_TRIP_COUNT, loopModule, NESTED_LOOP_SCAN_IF,
  SCAN_MATMUL_RECURRENCE, SCAN_ROTATING_STATE, scanModule,
} from '../control-flow-cases.js';

function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return tensorFrom('f32', shape, v);
}
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
    const text = SCAN_ROTATING_STATE;
    await check(text, [rand([4], 1), rand([4], 2), rand([4], 3), rand([5, 4], 4)], 'O2');
  });

  it('a matmul recurrence (linear-attention-like state update) in the body', async () => {
    const text = SCAN_MATMUL_RECURRENCE;
    for (const passes of ['fuse', 'O2']) await check(text, [rand([2, 3, 3], 5), rand([6, 2, 3, 1], 6), rand([6, 2, 1, 3], 7)], passes);
  });
});

describe('wasm if vs interpreter', () => {
  const text = IF_TWO_RESULTS;
  it('runs the branch the condition picks (both conditions, fuse and O2)', async () => {
    for (const passes of ['fuse', 'O2']) {
      for (const c of [true, false]) await check(text, [bool(c), rand([2, 5], 1), rand([2, 5], 2)], passes);
    }
  });

  it('refuses branches of different shapes with E205 naming the op', async () => {
    const bad = IF_DIFFERENT_SHAPES;
    expect(await compileError(bad)).toMatch(/E205.*cannot lower if: result %r : f32\[\?\]: the branches yield values of different shapes/s);
  });
});

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
    const { constant, fromDim, fromData } = LOOP_TRIP_COUNT;
    for (const passes of ['fuse', 'O2']) await check(constant, [rand([3], 1), rand([5, 3], 2)], passes);
    for (const passes of ['fuse', 'O2']) for (const T of [1, 2, 6]) await check(fromDim, [rand([3], T), rand([T, 3], T + 1)], passes);
    for (const passes of ['fuse', 'O2']) for (const n of [0, 1, 4]) await check(fromData, [i64(n), rand([3], n)], passes);
  });

  it('refuses a scan output with a run-time length (E205 naming the op and why)', async () => {
    expect(await compileError(LOOP_RUN_TIME_SCAN_OUTPUT))
      .toMatch(/E205.*cannot lower loop: scan output %z : f32\[\?,3\] has a length known only at run time/s);
  });
});

describe('wasm nested control flow vs interpreter', () => {
  it('a scan inside a loop, an if inside the scan', async () => {
    const text = NESTED_LOOP_SCAN_IF;
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
