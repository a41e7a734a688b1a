// The WebGPU benchmark (test/bench/webgpu-models.ts, webgpu-matmul.ts): its pure helpers (peak
// lookup, default sizes, GFLOP/s, formatting), and quick real runs on Dawn + SwiftShader: mlp_digits
// through tenth's WebGPU runtime and onnxruntime-web's WebGPU backend on the same device, both
// matching the expected outputs, and the MatMul bench at small odd sizes against its naive check.

import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { median } from '../bench/figures.js';
import { latencyMark, latencyOk, type LatencyConfig, type ModelLatency } from '../bench/wasm-models.js';
import { defaultSizes, formatWebGpuMatmul, gflops, ofPeak, peakFor, runWebGpuMatmulBench } from '../bench/webgpu-matmul.js';
import {
  adapterName, benchGpu, benchWebGpuModel, formatMs, formatRatio, formatWebGpuModels, isSwiftShader, reexecWithSwiftShader, SWIFTSHADER_ICD,
} from '../bench/webgpu-models.js';

const MODELS = resolve(import.meta.dirname, '../../../shared/models');
const QUICK: LatencyConfig = { minRuns: 20, maxRuns: 20, budgetMs: 1, minWarmup: 2, warmupMs: 0 };
const info = (description: string, vendor = 'nvidia') => ({ vendor, architecture: '', device: '', description });
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' };

describe('helpers', () => {
  it('peakFor: H100 PCIe before H100 SXM, H200; unknown adapters and SwiftShader have none', () => {
    expect(peakFor(info('NVIDIA H100 PCIe'))?.gflops).toBe(51_200);
    expect(peakFor(info('NVIDIA H100 80GB HBM3'))?.gflops).toBe(66_900);
    expect(peakFor(info('NVIDIA H200'))?.note).toBe('H200 f32');
    expect(peakFor(SWIFTSHADER)).toBeUndefined();
    expect(peakFor(info('AMD Radeon RX 7900', 'amd'))).toBeUndefined();
  });

  it('default sizes: small on SwiftShader, 1024 and 4096 on a GPU; the adapter name', () => {
    expect(isSwiftShader(SWIFTSHADER)).toBe(true);
    expect(defaultSizes(SWIFTSHADER)).toEqual([256, 1024]);
    expect(defaultSizes(info('NVIDIA H200'))).toEqual([1024, 4096]);
    expect(adapterName(SWIFTSHADER)).toBe('SwiftShader driver 5.0.0');
    expect(adapterName({ vendor: 'v', architecture: 'a', device: '', description: '' })).toBe('v a');
    expect(adapterName({ vendor: '', architecture: '', device: '', description: '' })).toBe('unknown adapter');
  });

  it('GFLOP/s of a cube and its share of the peak', () => {
    expect(gflops(1024, 1)).toBeCloseTo(2147.48, 2); // 2 * 1024^3 flops in 1 ms
    expect(gflops(4096, 4)).toBeCloseTo(34359.74, 2);
    expect(ofPeak(33_450, 66_900)).toBe('50.0%');
    expect(ofPeak(100, undefined)).toBe('-');
  });

  it('ms and ratio formatting; the table names the adapter and lists failures', () => {
    expect(formatMs(undefined)).toBe('-');
    expect(formatMs(12.345)).toBe('12.3');
    expect(formatMs(1.23456)).toBe('1.235');
    expect(formatRatio(latencyMark(10, 20))).toBe('0.50 PASS');
    expect(formatRatio(latencyMark(30, 20))).toBe('1.50 MISS');
    expect(formatRatio(undefined)).toBe('-');
    const rows: ModelLatency[] = [
      { model: 'mlp_digits', bindings: 'batch:8', runs: 20, tenthMs: 7.5, ortMs: 10, mark: latencyMark(7.5, 10), tenthCheck: { pass: true, maxAbs: 3.8e-6 }, ortCheck: { pass: true, maxAbs: 2.9e-6 } },
      { model: 'odd', bindings: '', tenthError: 'E201 no kernel for op foo', ortCheck: { pass: false, maxAbs: 1, failure: 'y: element 0' } },
    ];
    const text = formatWebGpuModels(rows, 'SwiftShader driver 5.0.0');
    expect(text.split('\n')[0]).toContain('on SwiftShader driver 5.0.0 (Dawn)');
    expect(text).toContain('mlp_digits  batch:8    20     7.500    10.0  0.75 PASS       no    PASS 3.8e-6  PASS 2.9e-6');
    expect(text).toContain('goal tenth/ORT < 1.0: 1/2 models; aim <= 0.7: 0/2');
    expect(text).toContain('odd: tenth: E201 no kernel for op foo');
    expect(text).toContain('odd: onnxruntime-web results differ: y: element 0');
  });

  it('no re-exec when VK_ICD_FILENAMES is set (vitest sets it) or SwiftShader is missing', () => {
    expect(process.env['VK_ICD_FILENAMES']).toBe(SWIFTSHADER_ICD);
    expect(reexecWithSwiftShader(() => true)).toBeUndefined();
    const saved = process.env['VK_ICD_FILENAMES'];
    delete process.env['VK_ICD_FILENAMES'];
    try {
      expect(reexecWithSwiftShader(() => false)).toBeUndefined();
    } finally {
      process.env['VK_ICD_FILENAMES'] = saved;
    }
  });
});

describe('for real on Dawn (SwiftShader)', () => {
  it('mlp_digits: tenth webgpu and onnxruntime-web webgpu on one device both match the expected outputs, 20 runs each', async () => {
    const r = await benchWebGpuModel('mlp_digits', join(MODELS, 'mlp_digits'), QUICK);
    expect(r.tenthError).toBeUndefined();
    expect(r.ortError).toBeUndefined();
    expect(r).toMatchObject({ bindings: 'batch:8', runs: 20, tenthCheck: { pass: true }, ortCheck: { pass: true } });
    expect(r.tenthRunsMs).toHaveLength(20);
    expect(r.ortRunsMs).toHaveLength(20);
    expect(r.tenthMs).toBe(median(r.tenthRunsMs!));
    expect(r.mark!.ratio).toBeCloseTo(r.tenthMs! / r.ortMs!, 12);
    expect(latencyOk(r)).toBe(true);
    expect(isSwiftShader((await benchGpu()).adapter)).toBe(true);
  });

  it('MatMul at 64 and 67 (a partial tile): results match the naive loop, GFLOP/s from the median', async () => {
    const r = await runWebGpuMatmulBench({ sizes: [64, 67], runs: 3 });
    expect(r.ok).toBe(true);
    expect(r.results.map((x) => x.size)).toEqual([64, 67]);
    for (const x of r.results) {
      expect(x.maxRelErr).toBeLessThan(1e-5);
      expect(x.gflops).toBeCloseTo(gflops(x.size, x.ms), 9);
    }
    expect(r.peak).toBeUndefined();
    expect(formatWebGpuMatmul(r)).toMatch(/on SwiftShader.*\n.*peak: - \(not known/);
  });
});
