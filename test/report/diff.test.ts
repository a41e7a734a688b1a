import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffKernelSets, formatDiff, readKernelSet } from '../../src/report/diff.js';
import { watFunctions } from '../../src/report/golden.js';

const fn = (step: number, label: string, body: string[]): string =>
  [`  (func $k${step}_${label}`, ...body.map((l) => `    ${l}`), '  )'].join('\n');
const wat = (fns: string[]): string => ['(module $m', '  (memory (export "memory") 1)', ...fns, '  (func (export "run")', '  )', ')', ''].join('\n');

function compileDir(root: string, name: string, kernels: { label: string; body: string[]; flops: number; bytes: number; us: number }[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.wat'), wat(kernels.map((k, i) => fn(i, k.label, k.body))));
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ kernels: kernels.map((k, i) => ({
    name: `${String(i).padStart(3, '0')}-${k.label}`, symbol: `k${i}_${k.label}`, flops: k.flops, bytesRead: k.bytes, bytesWritten: 0, predictedUs: k.us })) }));
  return dir;
}

describe('tenth diff', () => {
  it('splits WAT into functions', () => {
    const f = watFunctions(wat([fn(0, 'a', ['(nop)']), fn(1, 'b', ['(nop)', '(nop)'])]));
    expect([...f.keys()]).toEqual(['k0_a', 'k1_b']);
    expect(f.get('k1_b')!.split('\n')).toHaveLength(4);
  });

  it('a kernel inserted before others shows as one added kernel, the renumbered ones as unchanged', () => {
    const root = mkdtempSync(join(tmpdir(), 'tenth-diff-'));
    const conv = { label: 'conv-relu', body: ['(call $k3_helper)', '(nop)'], flops: 1000, bytes: 400, us: 5 };
    const gemm = { label: 'gemm', body: ['(nop)'], flops: 200, bytes: 100, us: 1 };
    const a = compileDir(root, 'a', [conv, gemm]);
    const b = compileDir(root, 'b', [{ label: 'transpose', body: ['(nop)'], flops: 0, bytes: 64, us: 0.5 }, conv,
      { ...gemm, body: ['(nop)', '(drop (i32.const 1))'], flops: 260, us: 1.5 }]);
    const r = diffKernelSets(readKernelSet(a), readKernelSet(b));
    // conv-relu, and the module text outside the kernels (_module).
    expect(r.unchanged).toBe(2);
    expect(r.changes.map((c) => [c.status, c.key])).toEqual([['changed', 'gemm'], ['added', 'transpose']]);
    const gemmChange = r.changes[0]!;
    expect(gemmChange.delta).toEqual({ flops: 60, bytes: 0, predictedUs: 0.5 });
    expect(gemmChange.patch).toMatch(/^\+ {4}\(drop \(i32\.const 1\)\)$/m);
    expect(r.total).toEqual({ flops: 60, bytes: 64, predictedUs: 1 });
    const text = formatDiff(r);
    expect(text).toMatch(/1 changed, 1 added, 0 removed, 2 unchanged/);
    expect(text).toMatch(/total: FLOPs \+60 \(\+5\.0%\), bytes \+64 \(\+12\.8%\), predicted \+1\.00 us \(\+16\.7%\)/);
  });

  it('matches repeated labels by occurrence and reads per-kernel .wgsl files', () => {
    const root = mkdtempSync(join(tmpdir(), 'tenth-diff-'));
    const mk = (name: string, files: Record<string, string>): string => {
      const d = join(root, name);
      mkdirSync(d);
      for (const [f, t] of Object.entries(files)) writeFileSync(join(d, f), t);
      return d;
    };
    const a = mk('a', { '000-add.wgsl': 'x\n', '001-add.wgsl': 'y\n' });
    const b = mk('b', { '000-add.wgsl': 'x\n', '001-add.wgsl': 'z\n', '002-mul.wgsl': 'w\n' });
    const r = diffKernelSets(readKernelSet(a), readKernelSet(b));
    expect(r.changes.map((c) => [c.status, c.key]).sort()).toEqual([['added', 'mul'], ['changed', 'add#2']]);
    expect(diffKernelSets(readKernelSet(a), readKernelSet(a)).changes).toEqual([]);
  });

  it('refuses a folder without kernels', () => {
    const root = mkdtempSync(join(tmpdir(), 'tenth-diff-'));
    expect(() => readKernelSet(root)).toThrow(/holds no kernels/);
    expect(() => readKernelSet(join(root, 'nope'))).toThrow(/is not a folder/);
  });
});
