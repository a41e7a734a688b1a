import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { costReport, lowerBound, predictKernel, type KernelCost, type MemoryCost } from '../../src/report/cost.js';
import { reportHtml } from '../../src/report/html.js';
import { BUNDLED_PROFILES, loadProfile, type DeviceProfile } from '../../src/report/profile.js';
import { formatReport } from '../../src/report/table.js';
import { planArena } from '../../src/runtime/plan.js';

const profile: DeviceProfile = { name: 'toy', target: 'wasm', peakGflops: { f32: 100, i8: 400 }, memoryGBps: 10, dispatchOverheadUs: 1, pricePerHour: 3.6 };
const kernel = (over: Partial<KernelCost>): KernelCost => ({ name: 'k', ops: ['matmul'], flops: 0, bytesRead: 0, bytesWritten: 0, dtype: 'f32', ...over });

describe('roofline per kernel', () => {
  it('hand-computed: compute-bound, memory-bound and launch-bound kernels', () => {
    // 2 GFLOP at 100 GFLOP/s = 20 ms; 1 MB at 10 GB/s = 100 us.
    const c = predictKernel(kernel({ flops: 2e9, bytesRead: 6e5, bytesWritten: 4e5 }), profile);
    expect(c.computeUs).toBeCloseTo(20_000, 6);
    expect(c.memoryUs).toBeCloseTo(100, 6);
    expect(c.bound).toBe('compute');
    expect(c.predictedUs).toBeCloseTo(20_001, 6);
    expect(c.intensity).toBeCloseTo(2000, 9);
    const m = predictKernel(kernel({ ops: ['relu'], flops: 1e6, bytesRead: 4e6, bytesWritten: 4e6 }), profile);
    expect(m.bound).toBe('memory');
    expect(m.predictedUs).toBeCloseTo(801, 6);
    const o = predictKernel(kernel({ ops: ['reshape'], flops: 0, bytesRead: 16, bytesWritten: 16 }), profile);
    expect(o.bound).toBe('overhead');
    // Integer kernels use their own peak.
    expect(predictKernel(kernel({ flops: 4e9, dtype: 'i8' }), profile).computeUs).toBeCloseTo(10_000, 6);
  });

  it('calibration factors scale a family', () => {
    const cal = { ...profile, calibration: { matmul: 0.5 } };
    expect(predictKernel(kernel({ flops: 1e9 }), cal).computeUs).toBeCloseTo(20_000, 6);
    expect(predictKernel(kernel({ ops: ['add'], flops: 1e9 }), cal).computeUs).toBeCloseTo(10_000, 6);
  });
});

const timelineArb = fc.array(fc.record({ first: fc.nat(12), len: fc.nat(6), bytes: fc.integer({ min: 1, max: 5000 }) }), { minLength: 1, maxLength: 25 })
  .map((bs) => bs.map((b, i) => ({ name: `b${i}`, first: b.first, last: b.first + b.len, bytes: b.bytes })));

describe('memory figures', () => {
  it('lower bound = the largest sum of live buffers at a buffer start, and no plan beats it', () => {
    fc.assert(fc.property(timelineArb, (tl) => {
      // Independent form: the live set only grows at some buffer's first step.
      const atStarts = Math.max(...tl.map((b) => tl.filter((o) => o.first <= b.first && b.first <= o.last).reduce((a, o) => a + o.bytes, 0)));
      expect(lowerBound(tl)).toBe(atStarts);
      const plan = planArena(tl.map((b) => ({ shape: [b.bytes], esize: 1, kind: 'temp', first: b.first, last: b.last })), {}, 1);
      expect(plan.bytes).toBeGreaterThanOrEqual(lowerBound(tl));
    }), { numRuns: 200 });
  });
});

const memory: MemoryCost = { peakBytes: 4096, lowerBoundBytes: 4096, naiveBytes: 8192, weightsBytes: 1000, timeline: [
  { name: 'a', first: 0, last: 1, offset: 0, bytes: 4096 }, { name: 'b', first: 1, last: 2, offset: 0, bytes: 2048 }] };

describe('costReport', () => {
  const input = { model: 'toy', target: 'wasm', pipeline: 'O2', bind: { batch: 1 }, memory, kernels: [
    kernel({ name: '000-matmul', flops: 2e9, bytesRead: 6e5, bytesWritten: 4e5 }),
    kernel({ name: '001-relu', ops: ['relu'], flops: 1e6, bytesRead: 4e6, bytesWritten: 4e6 })] };

  it('adds kernels in order and prices a million queries', () => {
    const r = costReport(input, profile);
    expect(r.totals).toEqual({ kernels: 2, flops: 2e9 + 1e6, bytes: 9e6, intensity: (2e9 + 1e6) / 9e6 });
    expect(r.predicted.latencyMs).toBeCloseTo((20_001 + 801) / 1000, 9);
    expect(r.predicted.overheadMs).toBeCloseTo(0.002, 12);
    // The split adds up: the matmul is compute-bound (20 ms), the relu memory-bound (0.8 ms).
    expect(r.predicted.computeMs).toBeCloseTo(20, 9);
    expect(r.predicted.memoryMs).toBeCloseTo(0.8, 9);
    expect(r.predicted.computeMs + r.predicted.memoryMs + r.predicted.overheadMs).toBeCloseTo(r.predicted.latencyMs, 12);
    // 3.6 per hour = 0.001 per second; a query takes 20.802 ms.
    expect(r.predicted.costPerMillion).toBeCloseTo(0.001 * 20.802e-3 * 1e6, 6);
    expect(costReport(input, { ...profile, pricePerHour: undefined }).predicted.costPerMillion).toBeUndefined();
  });

  it('prints a table sorted by predicted time, and a self-contained deterministic HTML page', () => {
    const r = costReport(input, profile);
    const text = formatReport(r);
    expect(text.indexOf('000-matmul')).toBeLessThan(text.indexOf('001-relu'));
    expect(text).toMatch(/predicted latency: 20\.80 ms = compute-bound kernels 20\.00 ms \+ memory-bound 800\.0 us \+ launch overhead 2\.00 us/);
    expect(text).toMatch(/arena peak 4\.0 KiB \(lower bound 4\.0 KiB, naive 8\.0 KiB\)/);
    const html = reportHtml(r);
    expect(html).toBe(reportHtml(costReport(input, profile)));
    expect(html).toContain('aria-label="roofline"');
    expect(html).toContain('aria-label="memory timeline"');
    // Two kernels plus the three legend dots.
    expect(html.match(/<circle /g)).toHaveLength(2 + 3);
    expect(html).toContain('memory-bound');
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
  });
});

describe('device profiles', () => {
  it('the bundled profiles load by name and validate', () => {
    for (const name of Object.keys(BUNDLED_PROFILES)) expect(loadProfile(name).name).toBe(name);
  });

  it('a user profile is read from a file; bad ones fail with E110 naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-profile-'));
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify(profile));
    expect(loadProfile(ok).peakGflops['f32']).toBe(100);
    const cases: [unknown, RegExp][] = [
      [{ ...profile, memoryGBps: -1 }, /memoryGBps/],
      [{ ...profile, peakGflops: { f16: 3 } }, /peakGflops\.f32/],
      [{ ...profile, target: 'tpu' }, /target/],
      [[], /JSON object/],
    ];
    for (const [body, msg] of cases) {
      const f = join(dir, 'bad.json');
      writeFileSync(f, JSON.stringify(body));
      try {
        loadProfile(f);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TenthError);
        expect((e as TenthError).diagnostics[0]!.code).toBe('E110');
        expect((e as Error).message).toMatch(msg);
      }
    }
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    expect(() => loadProfile(join(dir, 'broken.json'))).toThrow(/not valid JSON/);
    expect(() => loadProfile(join(dir, 'missing.json'))).toThrow(/cannot read device profile/);
  });
});
