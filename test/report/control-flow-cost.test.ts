// The cost report of kernels in loop and scan bodies (src/report/repeats.ts, both backends'
// cost.ts): their FLOPs, bytes and launch overhead scale with the trip count where the report's
// bindings size it (a number, an input dim given by `bind` / --bind, 1 by default), nested bodies
// multiply, and a count only the run knows (a loop count read from input data, a loop that may stop
// early) leaves the figures per iteration and says so. References: the body's ops compiled on
// their own as straight-line modules, the same model at trip count 1, and the manifest's ranges.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import type { CostReport, KernelPrediction } from '../../src/report/cost.js';
import { formatReport } from '../../src/report/table.js';
import { LOOP_TRIP_COUNT, loopModule, NESTED_LOOP_SCAN_IF, scanModule } from '../backends/control-flow-cases.js';
import { runCli, tempDir } from '../cli/helpers.js';

type Bind = Record<string, number>;
const wasm = async (text: string, bind?: Bind): Promise<CostReport> => (await compileWasm(parseModule(text), { passes: 'O2', bind })).report;
const gpu = (text: string, bind?: Bind): ReturnType<typeof compileWebGpu> => compileWebGpu(parseModule(text), { passes: 'O2', bind });
const sum = (ks: readonly KernelPrediction[], f: (k: KernelPrediction) => number): number => ks.reduce((a, k) => a + f(k), 0);

/** scanModule's body (state [3], both scan inputs on axis 0) as a straight-line module: one iteration. */
const SCAN_BODY = `module @m {
  func @main(%si: f32[3], %w: f32[3], %xt: f32[3], %yt: f32[3]) -> (%t: f32[3], %o: f32[3]) {
    %a = mul(%si, %w) : f32[3]
    %b = add(%a, %xt) : f32[3]
    %t = tanh(%b) : f32[3]
    %o = mul(%t, %yt) : f32[3]
    return %t, %o
  }
}`;
const SCAN7 = scanModule(7, 3, [0, 0], [0, 0], [0, 0], [0, 0]);

/** NESTED_LOOP_SCAN_IF with the loop's trip count a constant 3 instead of input data (the inner scan runs 4 times). */
const NESTED_CONST = NESTED_LOOP_SCAN_IF.replace('func @main(%n: i64[], ', 'func @main(')
  .replace('-> (%h: f32[3]) {', '-> (%h: f32[3]) {\n    %n = const {value = dense<3> : i64[]} : i64[]');

describe('a scan over 7 steps reports 7x its body', () => {
  it('wasm: the scan step = its operands and results once + 7 x the body (FLOPs and bytes)', async () => {
    const body = await wasm(SCAN_BODY);
    const r = await wasm(SCAN7);
    expect(r.kernels).toHaveLength(1);
    const k = r.kernels[0]!;
    expect(k.repeat).toEqual({ count: '7', times: 7 });
    expect(body.totals.flops).toBeGreaterThan(0);
    expect(k.flops).toBe(7 * body.totals.flops);
    // Scan operands s0 [3], x [7,3], y [7,3] read once, results s, z, u written once (f32).
    expect(k.bytesRead).toBe(4 * (3 + 21 + 21) + 7 * sum(body.kernels, (b) => b.bytesRead));
    expect(k.bytesWritten).toBe(4 * (3 + 21 + 21) + 7 * sum(body.kernels, (b) => b.bytesWritten));
    expect(r.totals.flops).toBe(k.flops);
    // One function call: one launch.
    expect(k.launches).toBeUndefined();
  });

  it('webgpu: the dispatches of the repeated range count 7 times (FLOPs, bytes, launches), the others once', () => {
    const body = gpu(SCAN_BODY).cost;
    const c = gpu(SCAN7);
    const [range] = c.manifest.repeats!;
    expect(c.manifest.repeats).toHaveLength(1);
    const inside = c.cost.kernels.filter((_, i) => i >= range!.from && i < range!.to);
    const outside = c.cost.kernels.filter((_, i) => i < range!.from || i >= range!.to);
    expect(inside.every((k) => k.repeat?.times === 7 && k.repeat.count === '7' && k.launches === 7)).toBe(true);
    expect(outside.every((k) => k.repeat === undefined && k.launches === undefined)).toBe(true);
    expect(sum(inside, (k) => k.flops)).toBe(7 * body.totals.flops);
    expect(c.cost.totals.flops).toBe(7 * body.totals.flops);
    // The body's fused dispatch moves what the straight-line body's does, once per step.
    expect(body.kernels).toHaveLength(1);
    const fusedBody = inside.find((k) => k.ops.join() === body.kernels[0]!.ops.join())!;
    expect(fusedBody.bytes).toBe(7 * body.kernels[0]!.bytes);
    // Each launch pays the overhead: 7 per repeated dispatch.
    const o = c.cost.device.dispatchOverheadUs;
    expect(fusedBody.predictedUs).toBeCloseTo(Math.max(fusedBody.computeUs, fusedBody.memoryUs) + 7 * o, 9);
    expect(c.cost.predicted.overheadMs).toBeCloseTo((outside.length + 7 * inside.length) * o / 1e3, 12);
    expect(c.cost.predicted.latencyMs).toBeCloseTo(sum(c.cost.kernels, (k) => k.predictedUs) / 1e3, 12);
  });
});

describe('a loop whose trip count is an input dim, sized by bind', () => {
  const text = LOOP_TRIP_COUNT.fromDim;

  it('wasm and webgpu: figures at T=5 are 5x those at T=1 (the default binding)', async () => {
    const [w1, w5] = [await wasm(text), await wasm(text, { T: 5 })];
    const loop = (r: CostReport): KernelPrediction => r.kernels.find((k) => k.ops.includes('loop'))!;
    expect(w1.bind).toEqual({ T: 1 });
    expect(loop(w1).repeat).toEqual({ count: 'T', times: 1 });
    expect(loop(w5).repeat).toEqual({ count: 'T', times: 5 });
    // The body adds a float to f32[3]: 3 FLOPs per iteration.
    expect(loop(w1).flops).toBe(3);
    expect(loop(w5).flops).toBe(15);
    const [g1, g5] = [gpu(text).cost, gpu(text, { T: 5 }).cost];
    const inBody = (r: CostReport): KernelPrediction[] => r.kernels.filter((k) => k.repeat);
    expect(inBody(g5).length).toBeGreaterThan(0);
    expect(inBody(g5).map((k) => k.repeat)).toEqual(inBody(g5).map(() => ({ count: 'T', times: 5 })));
    inBody(g5).forEach((k, i) => {
      const one = inBody(g1)[i]!;
      expect([k.flops, k.launches]).toEqual([5 * one.flops, 5]);
      // Bytes are whole bound buffers: the body's add reads and writes [3] values whatever T is
      // (the scan-output copy binds the [T,3] rows, which grow with T as well).
      if (k.ops.join() === 'add') expect(k.bytes).toBe(5 * one.bytes);
    });
    expect(inBody(g5).some((k) => k.ops.join() === 'add')).toBe(true);
    expect(sum(inBody(g5), (k) => k.flops)).toBe(15);
  });

  it('tenth compile --bind T=5: report.json, report.html and the printed table say which kernels repeat, how often', async () => {
    const root = tempDir('tenth-cf-cost-');
    const model = join(root, 'loop.ir');
    writeFileSync(model, text);
    for (const target of ['wasm', 'webgpu']) {
      const out = join(root, target);
      const res = await runCli(['compile', model, '--target', target, '--out', out, '--bind', 'T=5']);
      expect(res.code).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CostReport;
      const repeated = report.kernels.filter((k) => k.repeat);
      expect(repeated.length).toBeGreaterThan(0);
      expect(repeated.every((k) => k.repeat!.count === 'T' && k.repeat!.times === 5)).toBe(true);
      expect(res.out).toMatch(new RegExp(`${repeated[0]!.name} x5 `));
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<th>repeats</th>');
      expect(html).toContain('<td>x5 (T)</td>');
      expect(html).toContain(`${repeated.length} kernels run in loop or scan bodies`);
    }
  });
});

describe('counts only the run knows, nested bodies', () => {
  it('a trip count read from input data (both backends) and a loop that may stop early (wasm): per iteration, said so', async () => {
    const data = LOOP_TRIP_COUNT.fromData;
    const w = await wasm(data);
    const loop = w.kernels.find((k) => k.ops.includes('loop'))!;
    expect(loop.repeat).toEqual({ count: '%n[0]', times: null });
    expect(loop.flops).toBe(3);
    const g = gpu(data).cost;
    const rep = g.kernels.filter((k) => k.repeat);
    expect(rep.every((k) => k.repeat!.times === null && k.launches === undefined)).toBe(true);
    expect(sum(rep, (k) => k.flops)).toBe(3);
    expect(formatReport(g)).toContain('x? (per iteration)');
    expect(gpu(data).html).toContain('<td>per iteration, count known at run time (%n[0])</td>');
    const early = (await wasm(loopModule(3, null, true))).kernels.find((k) => k.ops.includes('loop'))!;
    expect(early.repeat?.times).toBeNull();
  });

  it('a scan of 4 inside a loop of 3: inner kernels 12x, the loop step 3x its per-iteration figures', async () => {
    const g = gpu(NESTED_CONST);
    expect(g.manifest.repeats).toHaveLength(2);
    const [outer, inner] = g.manifest.repeats!;
    g.cost.kernels.forEach((k, i) => {
      const inOuter = i >= outer!.from && i < outer!.to, inInner = i >= inner!.from && i < inner!.to;
      expect(k.repeat).toEqual(inInner ? { count: '3*4', times: 12 } : inOuter ? { count: '3', times: 3 } : undefined);
    });
    // Per outer iteration: the same module with the count read from data (unknown: per iteration).
    const perIter = gpu(NESTED_LOOP_SCAN_IF).cost;
    const inInner = (r: CostReport): number => sum(r.kernels.filter((k) => k.repeat?.count.endsWith('*4')), (k) => k.flops);
    expect(inInner(perIter)).toBeGreaterThan(0);
    expect(inInner(g.cost)).toBe(3 * inInner(perIter));
    const w = (await wasm(NESTED_CONST)).kernels.find((k) => k.ops.includes('loop'))!;
    const wPer = (await wasm(NESTED_LOOP_SCAN_IF)).kernels.find((k) => k.ops.includes('loop'))!;
    expect(w.repeat).toEqual({ count: '3', times: 3 });
    expect(wPer.repeat?.times).toBeNull();
    expect(w.flops).toBe(3 * wPer.flops);
  });
});

describe('wasm: a loop or scan nested in a body counts its own trips in bytes too', () => {
  const nested = (outer: number, inner: number): string => `module @m {
  func @main(%h0: f32[1000], %x: f32[${inner},1000]) -> (%h: f32[1000]) {
    %n = const {value = dense<${outer}> : i64[]} : i64[]
    %h = loop(%n, none, %h0) : f32[1000] {
    ^(%i: i64[], %ci: bool[], %hi: f32[1000]):
      %hs, %ys = scan(%hi, %x) {num_scan_inputs = 1} : (f32[1000], f32[${inner},1000]) {
      ^(%s: f32[1000], %xt: f32[1000]):
        %t = mul(%s, %xt) : f32[1000]
        yield %t, %t
      }
      yield %ci, %hs
    }
    return %h
  }
}`;
  it('bytes grow with the inner scan length as flops do (were counted once per outer iteration)', async () => {
    const at = async (inner: number) => (await compileWasm(parseModule(nested(3, inner)), { passes: 'O0' })).report.kernels.find((k) => k.ops.includes('loop'))!;
    const [a, b] = [await at(4), await at(40)];
    expect(b.flops).toBe(10 * a.flops);
    // Each inner step reads 2 x 4000 B and writes 2 x 4000 B; 36 more steps per outer iteration, 3 iterations.
    expect(b.bytesRead - a.bytesRead).toBeGreaterThanOrEqual(3 * 36 * 8000);
    expect(b.bytesWritten - a.bytesWritten).toBeGreaterThanOrEqual(3 * 36 * 8000);
  });
});
