import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateProfile, median, ranks, spearman } from '../../src/report/calibrate.js';
import { costReport, type KernelCost } from '../../src/report/cost.js';
import { loadProfile, type DeviceProfile } from '../../src/report/profile.js';
import { buildModel } from '../../src/onnx/writer.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { tensorFrom } from '../../ir/tensor.js';
import { makeCnn, type ExampleLib } from '../../examples/make-examples.mjs';
import { runCli, tempDir } from '../cli/helpers.js';

describe('rank correlation', () => {
  it('ranks share ties; Spearman is 1 for any increasing map, -1 reversed', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1], [1])).toBeNaN();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    fc.assert(fc.property(fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 30 }), (xs) => {
      expect(spearman(xs, xs.map((x) => x * 2))).toBeCloseTo(1, 9);
      expect(spearman(xs, xs.map((x) => -x))).toBeCloseTo(-1, 9);
      const r = spearman(xs, xs.map((_x, i) => (i * 7919) % 13));
      expect(r).toBeGreaterThanOrEqual(-1 - 1e-12);
      expect(r).toBeLessThanOrEqual(1 + 1e-12);
    }));
  });
});

describe('calibrateProfile', () => {
  const profile: DeviceProfile = { name: 'toy', target: 'wasm', peakGflops: { f32: 100 }, memoryGBps: 10, dispatchOverheadUs: 0 };
  const k = (name: string, ops: string[], flops: number, bytes: number): KernelCost => ({ name, ops, flops, bytesRead: bytes, bytesWritten: 0, dtype: 'f32' });
  const kernels = [k('a', ['matmul'], 1e8, 1e4), k('b', ['matmul', 'relu'], 5e7, 1e4), k('c', ['relu'], 1e3, 1e6), k('d', ['add'], 10, 64),
    k('e', ['reshape'], 0, 16), k('f', ['add'], 10, 64), k('g', ['add'], 10, 64), k('h', ['add'], 10, 64)];
  const report = costReport({ model: 'toy', target: 'wasm', pipeline: 'O2', bind: {}, kernels, memory: { peakBytes: 0, lowerBoundBytes: 0, naiveBytes: 0, weightsBytes: 0, timeline: [] } }, profile);

  it('recovers a launch overhead and per-family efficiencies that make the predictions match the measurements', () => {
    // This "machine": matmuls at half the peak, elementwise at a quarter of the bandwidth, 3 us per launch.
    const roof = report.kernels.map((x) => Math.max(x.computeUs, x.memoryUs));
    const eff = (ops: readonly string[]): number => (ops.includes('matmul') ? 0.5 : 0.25);
    const measured = report.kernels.map((x, i) => roof[i]! / eff(x.ops) + 3);
    const cal = calibrateProfile(profile, report, measured);
    expect(cal.name).toBe('toy-calibrated');
    expect(cal.dispatchOverheadUs).toBeCloseTo(3, 1);
    expect(cal.calibration!['matmul']).toBeCloseTo(0.5, 2);
    expect(cal.calibration!['relu']).toBeCloseTo(0.25, 2);
    const again = costReport({ model: 'toy', target: 'wasm', pipeline: 'O2', bind: {}, kernels, memory: report.memory }, cal);
    const total = measured.reduce((a, b) => a + b, 0);
    expect(again.predicted.latencyMs * 1e3).toBeCloseTo(total, -1);
    expect(spearman(again.kernels.map((x) => x.predictedUs), measured)).toBeGreaterThan(0.9);
  });
});

describe('tenth bench and tenth calibrate', () => {
  const root = tempDir();
  makeCnn(join(root, 'cnn'), { buildModel, encodeTensorProto, tensorFrom } as unknown as ExampleLib);
  const model = join(root, 'cnn', 'model.onnx');

  it('bench times every kernel and prints predicted vs measured with the rank correlation', async () => {
    const r = await runCli(['bench', model, '--data', join(root, 'cnn', 'test_data_set_0'), '--runs', '3', '--warmup', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { kernels: { name: string; predictedUs: number; measuredUs: number }[]; spearman: number; measuredTotalUs: number };
    expect(j.kernels.map((k) => k.name)).toEqual(['000-conv-relu', '001-max-pool', '002-conv-relu', '003-global-average-pool', '004-flatten-gemm']);
    expect(j.kernels.every((k) => k.measuredUs > 0 && k.predictedUs > 0)).toBe(true);
    expect(j.spearman).toBeGreaterThanOrEqual(-1);
    expect(j.spearman).toBeLessThanOrEqual(1);
    const text = await runCli(['bench', model, '--runs', '2', '--warmup', '0']);
    expect(text.out).toMatch(/rank correlation \(Spearman\) of predicted and measured kernel times: -?[\d.]+ over 5 kernels/);
  });

  it('bench --target webgpu times every dispatch on Dawn against the webgpu report', async () => {
    const r = await runCli(['bench', model, '--target', 'webgpu', '--runs', '2', '--warmup', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { device: string; timing: string; kernels: { name: string; measuredUs: number }[] };
    expect(j.device).toBe('integrated-gpu');
    // Dawn on SwiftShader offers timestamp-query: the kernels are timed on the device.
    expect(j.timing).toMatch(/GPU timestamp queries/);
    expect(j.kernels.map((k) => k.name)).toEqual(['000-conv2d-relu', '001-max-pool', '002-conv2d-relu', '003-global-average-pool', '004-gemm']);
    expect(j.kernels.every((k) => k.measuredUs >= 0)).toBe(true);
    expect((await runCli(['bench', model, '--target', 'tpu'])).err).toMatch(/E108: unknown target 'tpu'/);
  });

  it('calibrate writes a profile that compile then uses', async () => {
    const out = join(root, 'cal.json');
    const r = await runCli(['calibrate', model, '--runs', '3', '--warmup', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(out)).toBe(true);
    const p = loadProfile(out);
    expect(p.name).toBe('laptop-cpu-wasm-calibrated');
    expect(Object.keys(p.calibration ?? {})).toContain('conv');
    const c = await runCli(['compile', model, '--target', 'wasm', '--out', join(root, 'c'), '--device', out]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/on laptop-cpu-wasm-calibrated/);
    expect(JSON.parse(readFileSync(join(root, 'c', 'report.json'), 'utf8')).device.calibration).toEqual(p.calibration);
    expect((await runCli(['calibrate', model])).err).toMatch(/calibrate needs --out FILE/);
  });
});
