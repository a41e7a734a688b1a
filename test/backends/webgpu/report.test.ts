// The WebGPU compile's cost report: the same report.json fields as the WASM backend's, with a
// dispatch's bytes counting the weights it reads from their own binding.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeMlpExample } from '../../cli/helpers.js';

describe('webgpu cost report', () => {
  it('counts weight bytes, sums kernels into totals and writes report.html', async () => {
    const root = tempDir();
    writeMlpExample(join(root, 'mlp'));
    const out = join(root, 'out');
    const r = await runCli(['compile', join(root, 'mlp', 'model.onnx'), '--target', 'webgpu', '--out', out, '--bind', 'batch=4']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cost report: mlp \(webgpu, pipeline O2\) on integrated-gpu, with batch=4/);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      format: string; kernels: { name: string; flops: number; bytesRead: number; bytesWritten: number; predictedUs: number }[];
      totals: { flops: number; bytes: number }; predicted: { latencyMs: number; computeMs: number; memoryMs: number; overheadMs: number };
    };
    expect(rep.format).toBe('tenth-report/1');
    const [fc1, fc2] = rep.kernels;
    expect(fc1!.name).toBe('000-gemm-relu');
    // fc1 reads the [4,64] input, its 32x64 weight and 32 biases; writes [4,32].
    expect(fc1!.bytesRead).toBe(4 * (4 * 64 + 32 * 64 + 32));
    expect(fc1!.bytesWritten).toBe(4 * 4 * 32);
    expect(fc2!.bytesRead).toBe(4 * (4 * 32 + 10 * 32 + 10));
    // Gemm FLOPs: 2 per multiply-add, plus bias and relu.
    expect(fc1!.flops).toBeGreaterThanOrEqual(2 * 4 * 64 * 32);
    expect(rep.totals.flops).toBe(rep.kernels.reduce((a, k) => a + k.flops, 0));
    const p = rep.predicted;
    expect(p.computeMs + p.memoryMs + p.overheadMs).toBeCloseTo(p.latencyMs, 9);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    // A --f16 build stores the weights as f16: half the weight bytes, same activations.
    const half = join(root, 'half');
    expect((await runCli(['compile', join(root, 'mlp', 'model.onnx'), '--target', 'webgpu', '--f16', '--out', half, '--bind', 'batch=4', '--quiet'])).code).toBe(0);
    const h = JSON.parse(readFileSync(join(half, 'report.json'), 'utf8')) as typeof rep;
    expect(h.kernels[0]!.bytesRead).toBe(4 * 4 * 64 + 2 * (32 * 64 + 32));
  });
});
