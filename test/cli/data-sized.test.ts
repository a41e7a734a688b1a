// The user's path for a model whose result size is data, through the real `tenth` process:
// x: f32[N,4] -> Greater(x, 0.5) -> NonZero -> Transpose (an output of [count, 2]) beside a
// ReduceSum of x. `compile --target wasm|webgpu` writes a folder whose manifest counts the
// NonZero result (`counted`), byte-identical when compiled twice; `run DIR --check` passes on
// data sets with different N and counts (0, some, all: the bound), against outputs computed
// here by a plain loop, and the interpreter agrees with the same files.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { buildModel } from '../../src/onnx/writer.js';
import { REPO, runCli, tempDir, writeTensorFile } from './helpers.js';

function tenth(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MODEL = buildModel({
  opset: 17,
  inputs: [{ name: 'x', dtype: 'f32', shape: ['N', 4] }],
  outputs: [{ name: 'idx', dtype: 'i64', shape: null }, { name: 'sum', dtype: 'f32', shape: [4] }],
  initializers: [{ name: 'half', tensor: tensorFrom('f32', [], [0.5]) }, { name: 'ax', tensor: tensorFrom('i64', [1], [0n]) }],
  nodes: [
    { opType: 'Greater', inputs: ['x', 'half'], outputs: ['p'], name: 'gt' },
    { opType: 'NonZero', inputs: ['p'], outputs: ['nz'], name: 'nz' },
    { opType: 'Transpose', inputs: ['nz'], outputs: ['idx'], name: 'tr', attrs: { perm: [1, 0] } },
    { opType: 'ReduceSum', inputs: ['x', 'ax'], outputs: ['sum'], name: 'rs', attrs: { keepdims: 0 } },
  ],
});

/** The expected outputs by a plain loop: the [row, col] of each x > 0.5 in row-major order, column sums. */
function expected(n: number, x: readonly number[]): [Tensor, Tensor] {
  const idx: bigint[] = [];
  const sum = new Float32Array(4);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) {
      if (x[4 * i + j]! > 0.5) idx.push(BigInt(i), BigInt(j));
      sum[j] = Math.fround(sum[j]! + x[4 * i + j]!);
    }
  }
  return [tensorFrom('i64', [idx.length / 2, 2], idx), tensorFrom('f32', [4], sum)];
}

// N = 3 with 5 counted (0.5 itself is not greater), N = 1 with none, N = 5 with all 20 (the bound).
const SETS: readonly (readonly [number, readonly number[]])[] = [
  [3, [0.9, 0.1, 0.6, 0, 0, 0, 0, 0, 1, 1, 0.5, 0.75]],
  [1, [0.5, -1, 0.25, 0]],
  [5, Array.from({ length: 20 }, (_, i) => 0.625 + i / 8)],
];

let dir: string;
beforeAll(() => {
  dir = tempDir('tenth-data-sized-');
  writeFileSync(join(dir, 'model.onnx'), MODEL);
  SETS.forEach(([n, x], k) => {
    const ds = join(dir, `test_data_set_${k}`);
    mkdirSync(ds);
    writeTensorFile(join(ds, 'input_0.pb'), 'x', tensorFrom('f32', [n, 4], x));
    expected(n, x).forEach((t, i) => writeTensorFile(join(ds, `output_${i}.pb`), i === 0 ? 'idx' : 'sum', t));
  });
});

/** Every file of a folder, by name, as bytes. */
const files = (d: string): Record<string, Buffer> => Object.fromEntries(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f))]));

describe('tenth with a data-sized op (NonZero)', () => {
  it('the interpreter passes the hand-computed outputs (the reference agrees with the plain loop)', async () => {
    const r = await runCli(['run', join(dir, 'model.onnx'), '--data', dir, '--check']);
    expect(r.err).toBe('');
    expect(r.out).toContain('6 of 6 outputs match');
    expect(r.code).toBe(0);
  });

  for (const target of ['wasm', 'webgpu'] as const) {
    it(`compile --target ${target}: a counted manifest, byte-identical twice; run --check passes at counts 5, 0 and the bound`, () => {
      const [a, b] = [join(dir, `${target}-a`), join(dir, `${target}-b`)];
      for (const out of [a, b]) {
        const c = tenth(['compile', join(dir, 'model.onnx'), '--target', target, '--out', out, '--quiet']);
        expect(c.stderr).toBe('');
        expect(c.status).toBe(0);
        expect(c.stdout).toMatch(/^compiled 4 (WGSL )?kernels, .* -> /);
      }
      const fa = files(a), fb = files(b);
      expect(Object.keys(fb)).toEqual(Object.keys(fa));
      for (const f of Object.keys(fa)) expect(fb[f]!.equals(fa[f]!), `${f} differs between two compiles`).toBe(true);
      const manifest = JSON.parse(fa['manifest.json']!.toString('utf8')) as { counted?: { symbol: string; bound: unknown; kernel: number; site: string }[] };
      expect(manifest.counted).toEqual([{
        symbol: 'nonzero_count0', bound: { k: 'mul', args: [{ k: 'num', v: 4 }, { k: 'sym', name: 'N' }] }, kernel: 1,
        ...(target === 'webgpu' ? { word: expect.any(Number) } : {}), site: 'nonzero %nz at model.onnx: node "nz"',
      }]);

      const r = tenth(['run', a, '--data', dir, '--check']);
      expect(r.stderr.replace(/^webgpu: .*\n/m, '')).toBe('');
      expect(r.status).toBe(0);
      // One line per output and data set, with the counted shape.
      const shapes = [...r.stdout.matchAll(/output 0 'idx' i64\[(\d+),2\]\s+max abs 0\s+max rel 0\s+PASS/g)].map((m) => Number(m[1]));
      expect(shapes).toEqual([5, 0, 20]);
      expect([...r.stdout.matchAll(/output 1 'sum' f32\[4\] .* PASS/g)]).toHaveLength(3);
      expect(r.stdout).toContain('6 of 6 outputs match');
    });
  }

  it('run DIR without --check prints the outputs at their counted shape', async () => {
    const out = join(dir, 'wasm-print');
    expect((await runCli(['compile', join(dir, 'model.onnx'), '--target', 'wasm', '--out', out, '--quiet'])).code).toBe(0);
    const r = await runCli(['run', out, '--data', join(dir, 'test_data_set_0')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain("output 0 'idx' i64[5,2]  [0, 0, 0, 2, 2, 0, 2, 1, ... (10 values)]");
    expect(r.out).toMatch(/output 1 'sum' f32\[4\]  \[1\.9, 1\.1, 1\.1, 0\.75\]/);
  });
});
