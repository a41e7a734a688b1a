// The cost report of `tenth compile --target wasm`: report.json's documented fields, figures
// checked against hand-counted FLOPs and the memory planner, the printed table, report.html,
// the batching plan, and clear errors for bad options.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/onnx/writer.js';
import { encodeTensorProto } from '../../../src/onnx/tensor-proto.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { makeCnn, type ExampleLib } from '../../../examples/make-examples.mjs';
import { runCli, tempDir } from '../../cli/helpers.js';

const lib = { buildModel, encodeTensorProto, tensorFrom } as unknown as ExampleLib;

interface Report {
  format: string; bind: Record<string, number>; device: { name: string };
  kernels: { name: string; ops: string[]; flops: number; bytesRead: number; bytesWritten: number; bytes: number; intensity: number; predictedUs: number; bound: string }[];
  memory: { peakBytes: number; lowerBoundBytes: number; naiveBytes: number; weightsBytes: number; timeline: unknown[] };
  totals: { flops: number; bytes: number; kernels: number };
  predicted: { latencyMs: number; costPerMillion?: number };
  batching?: { choice: number | null; candidates: { batch: number; meetsTarget: boolean }[] };
}

describe('wasm cost report', () => {
  const root = tempDir();
  const model = join(root, 'cnn', 'model.onnx');
  makeCnn(join(root, 'cnn'), lib);

  it('report.json has per-kernel figures, memory plan, totals and a prediction that follow the bound sizes', async () => {
    const reports: Report[] = [];
    for (const batch of [1, 4]) {
      const out = join(root, `b${batch}`);
      const r = await runCli(['compile', model, '--target', 'wasm', '--out', out, '--bind', `batch=${batch}`, '--device', 'datacenter-gpu']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/cost report: cnn \(wasm, pipeline O2\) on datacenter-gpu, with batch=\d/);
      expect(r.out).toMatch(/predicted latency: [\d.]+ (ms|us) = /);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
      reports.push(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report);
    }
    const [one, four] = reports as [Report, Report];
    expect(one.format).toBe('tenth-report/1');
    expect(one.bind).toEqual({ batch: 1 });
    expect(one.device.name).toBe('datacenter-gpu');
    // Hand count per image: conv1 8x12x12 outputs x 9 MACs, conv2 16x4x4 x 72 MACs, fc 10 x 16 MACs (2 FLOPs per MAC);
    // the elementwise ops, pooling and biases add a little on top.
    const macs = 2 * (8 * 12 * 12 * 9 + 16 * 4 * 4 * 72 + 10 * 16);
    expect(one.totals.flops).toBeGreaterThanOrEqual(macs);
    expect(one.totals.flops).toBeLessThan(macs * 1.1);
    expect(four.totals.flops).toBeCloseTo(4 * one.totals.flops, 6);
    expect(one.totals.kernels).toBe(one.kernels.length);
    expect(one.totals.flops).toBe(one.kernels.reduce((a, k) => a + k.flops, 0));
    for (const k of one.kernels) {
      expect(k.name).toMatch(/^\d{3}-[a-z_-]+$/);
      expect(k.bytes).toBe(k.bytesRead + k.bytesWritten);
      expect(k.intensity).toBeCloseTo(k.flops / k.bytes, 9);
      expect(['compute', 'memory', 'overhead']).toContain(k.bound);
    }
    // The first kernel reads the image (4 bytes x 144 per image) and the conv weights, writes 8x12x12 floats per image.
    expect(one.kernels[0]!.bytesWritten).toBe(4 * 8 * 12 * 12);
    expect(four.kernels[0]!.bytesWritten).toBe(4 * 4 * 8 * 12 * 12);
    const m = one.memory;
    expect(m.lowerBoundBytes).toBeGreaterThan(0);
    expect(m.peakBytes).toBeGreaterThanOrEqual(m.lowerBoundBytes);
    expect(m.naiveBytes).toBeGreaterThanOrEqual(m.peakBytes - 16 * m.timeline.length);
    expect(m.weightsBytes).toBeGreaterThanOrEqual(4 * 1418);
    expect(four.memory.lowerBoundBytes).toBeGreaterThan(m.lowerBoundBytes);
    expect(one.predicted.latencyMs).toBeCloseTo(one.kernels.reduce((a, k) => a + k.predictedUs, 0) / 1000, 9);
    expect(one.predicted.costPerMillion).toBeGreaterThan(0);
    expect(four.predicted.latencyMs).toBeGreaterThanOrEqual(one.predicted.latencyMs);
  });

  it('compiling twice writes the same report bytes; report.html is self-contained', async () => {
    const a = join(root, 'twice-a'), b = join(root, 'twice-b');
    for (const out of [a, b]) expect((await runCli(['compile', model, '--target', 'wasm', '--out', out, '--quiet'])).code).toBe(0);
    for (const f of ['report.json', 'report.html', 'model.wat', 'manifest.json']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
    const html = readFileSync(join(a, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  it('plans batching for a load and marks the cheapest batch size meeting the target', async () => {
    const out = join(root, 'batching');
    const r = await runCli(['compile', model, '--target', 'wasm', '--out', out, '--rate', '3000', '--p99', '40']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/batching plan: 3000 requests\/s, p99 target 40 ms \(batch dim 'batch'\)/);
    expect(r.out).toMatch(/\* cheapest batch size meeting the target: \d+/);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(rep.batching!.choice).not.toBeNull();
    expect(rep.batching!.candidates[rep.batching!.choice!]!.meetsTarget).toBe(true);
  });

  it('refuses bad report options with E108/E110 and writes nothing', async () => {
    const bad: [string[], RegExp][] = [
      [['--bind', 'batch=0'], /--bind: expected SYMBOL=SIZE/],
      [['--bind', 'x=4'], /--bind: the model has no symbolic dim 'x' \(it has: batch\)/],
      [['--bind', 'batch=4,batch=8'], /'batch' is given twice/],
      [['--rate', '10'], /needs both --rate QPS and --p99 MS/],
      [['--rate', 'x', '--p99', '5'], /--rate: expected requests per second/],
      [['--rate', '10', '--p99', '5', '--batch-dim', 'nope'], /no symbolic input dim of that name/],
      [['--device', join(root, 'missing.json')], /cannot read device profile/],
    ];
    writeFileSync(join(root, 'bad-profile.json'), JSON.stringify({ name: 'x', target: 'wasm', peakGflops: { f32: 1 }, memoryGBps: 0, dispatchOverheadUs: 1 }));
    bad.push([['--device', join(root, 'bad-profile.json')], /E110.*memoryGBps/s]);
    for (const [extra, msg] of bad) {
      const out = join(root, 'bad-out');
      const r = await runCli(['compile', model, '--target', 'wasm', '--out', out, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('wasm cost report with derived dims', () => {
  it('sizes expression dims from the bound symbols (a Slice whose start is another input\'s length)', async () => {
    const root = tempDir();
    const model = join(root, 'slice.onnx');
    writeFileSync(model, buildModel({
      name: 'slice', opset: 13,
      inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }, { name: 'y', dtype: 'f32', shape: ['m'] }],
      outputs: [{ name: 'z', dtype: 'f32', shape: ['?'] }],
      initializers: [{ name: 'end', tensor: tensorFrom('i64', [1], [1000000n]) }],
      nodes: [
        { name: 'shape', opType: 'Shape', inputs: ['y'], outputs: ['s'] },
        { name: 'slice', opType: 'Slice', inputs: ['x', 's', 'end'], outputs: ['z'] },
      ],
    } as never));
    const out = join(root, 'out');
    const r = await runCli(['compile', model, '--target', 'wasm', '--out', out, '--bind', 'n=5,m=2']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(rep.bind).toEqual({ n: 5, m: 2 });
    const slice = rep.kernels.find((k) => k.ops.includes('slice'))!;
    // z has n - min(m, n) = 3 elements.
    expect(slice.bytesWritten).toBe(3 * 4);
  });
});
