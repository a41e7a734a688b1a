// The pass-manager side of the CLI: `opt --passes` with its instrument flags, `run --passes`,
// `stats` and `passes`.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { allPasses, registerPass, runPipeline, type Pass } from '../../passes/index.js';
import { runCli, tempDir, writeAddMulModel, writeMlpExample } from './helpers.js';

const FOLDABLE = `module @m {
  func @main(%x: f32[2]) -> (%y: f32[2]) {
    %a = const {value = dense<[1.5, -2]> : f32[2]} : f32[2]
    %b = const {value = dense<0.25> : f32[]} : f32[]
    %c = mul(%a, %b) : f32[2]
    %y = add(%x, %c) : f32[2]
    return %y
  }
}
`;

/** Deletes the op before the terminator: the IR no longer verifies. */
const breakPass: Pass = {
  name: 'test-cli-break',
  summary: 'breaks the IR (test only)',
  options: {},
  run(m) {
    const ops = m.main.body.ops;
    ops.splice(ops.length - 2, 1);
    return { changed: true, counters: {} };
  },
};
registerPass(breakPass);

let dir: string;
let ir: string;
let addMul: string;
let mlp: string;

beforeAll(() => {
  dir = tempDir();
  ir = join(dir, 'f.ir');
  writeFileSync(ir, FOLDABLE);
  addMul = join(dir, 'addmul');
  writeAddMulModel(addMul);
  mlp = join(dir, 'mlp');
  writeMlpExample(mlp);
});

describe('tenth opt --passes', () => {
  it('prints the IR after the pipeline, the same as the library gives', async () => {
    const r = await runCli(['opt', ir, '--passes', 'fold-constants,dce']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const m = parseModule(FOLDABLE);
    runPipeline(m, 'fold-constants,dce');
    expect(r.out).toBe(printModule(m));
    expect(r.out).toContain('%c = const {value = dense<[0.375, -0.5]> : f32[2]}');
    expect(r.out).not.toContain('mul(');
  });

  it('accepts named pipelines and ONNX input', async () => {
    const r = await runCli(['opt', join(addMul, 'model.onnx'), '--passes', 'O1,fuse']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('fused');
    expect(() => parseModule(r.out)).not.toThrow();
  });

  it('--print-ir-after-all and --timing write to stderr; stdout stays the result', async () => {
    const r = await runCli(['opt', ir, '--passes', 'fold-constants,dce,dce', '--print-ir-after-all', '--timing']);
    expect(r.code).toBe(0);
    const headers = r.err.split('\n').filter((l) => l.startsWith('// *** '));
    expect(headers).toEqual([
      '// *** IR after fold-constants (step 1 of 3) ***',
      '// *** IR after dce (step 2 of 3) ***',
      '// *** IR after dce (step 3 of 3), reported unchanged ***',
    ]);
    expect(r.err).toContain('// pass timing');
    expect(r.err).toMatch(/100\.0%\s+total/);
    expect(r.out.startsWith('module @m')).toBe(true);
  });

  it('--print-ir-after-change prints only the passes that changed the IR', async () => {
    const r = await runCli(['opt', ir, '--passes', 'dce,fold-constants,dce,dce', '--print-ir-after-change']);
    expect(r.err.split('\n').filter((l) => l.startsWith('// *** '))).toEqual([
      '// *** IR after fold-constants (step 2 of 4) ***',
      '// *** IR after dce (step 3 of 4) ***',
    ]);
  });

  it('--dump-dir writes NN-<pass>.ir files', async () => {
    const d = join(dir, 'dump');
    const r = await runCli(['opt', ir, '--passes', 'fold-constants,dce', '--dump-dir', d]);
    expect(r.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['00-input.ir', '01-fold-constants.ir', '02-dce.ir']);
    expect(printModule(parseModule(readFileSync(join(d, '02-dce.ir'), 'utf8')))).toBe(r.out);
  });

  it('a pass that breaks the IR is named (verify-each); --no-verify-each lets it through', async () => {
    const a = await runCli(['opt', ir, '--passes', 'fold-constants,test-cli-break']);
    expect(a.code).toBe(2);
    expect(a.err).toContain("after pass 'test-cli-break'");
    expect(a.err).toContain('verify-each: IR invalid after pass test-cli-break (step 2 of 2)');
    const b = await runCli(['opt', ir, '--passes', 'test-cli-break', '--no-verify-each']);
    expect(b.code).toBe(0);
    expect(b.out).toContain('return %y');
  });

  it('bad pipelines are usage errors pointing at the column', async () => {
    const a = await runCli(['opt', ir, '--passes', 'fuse{max-ops=x}']);
    expect(a.code).toBe(2);
    expect(a.err).toContain("--passes:1:14: error E108: invalid pipeline: option 'max-ops' of pass 'fuse': expected an integer, got 'x' (column 14)");
    expect(a.err).toContain("note: options of 'fuse': max-ops (int)");
    const b = await runCli(['opt', ir, '--passes', 'fold-constants{nope=1}']);
    expect(b.err).toContain("unknown option 'nope' for pass 'fold-constants'");
  });
});

describe('tenth run --passes', () => {
  it('runs the model after O2 and the outputs still check out', async () => {
    const r = await runCli(['run', join(mlp, 'model.onnx'), '--passes', 'O2', '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS');
    const s = await runCli(['run', join(addMul, 'model.onnx'), '--passes', 'O1,fuse', '--check', '--timing']);
    expect(s.code).toBe(0);
    expect(s.err).toContain('fuse');
  });
});

describe('tenth stats', () => {
  it('--json prints exactly the documented keys', async () => {
    const r = await runCli(['stats', join(addMul, 'model.onnx'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['opsBefore', 'opsAfter', 'kernels', 'memory', 'compileMs']);
    expect(Object.keys(j['memory'] as object)).toEqual(['peakBytes', 'lowerBoundBytes', 'naiveBytes']);
    // (a + b) * two: two compute ops, kept by O2, fused into one elementwise kernel.
    expect(j).toMatchObject({ opsBefore: 2, opsAfter: 2, kernels: 1 });
    const mem = j['memory'] as { peakBytes: number; lowerBoundBytes: number; naiveBytes: number };
    expect(mem.lowerBoundBytes).toBeGreaterThan(0);
    expect(mem.peakBytes).toBeGreaterThanOrEqual(mem.lowerBoundBytes);
    expect(mem.naiveBytes).toBeGreaterThanOrEqual(mem.peakBytes);
    expect(typeof j['compileMs']).toBe('number');
  });

  it('O0 leaves ops and kernels alone and still plans memory', async () => {
    const r = await runCli(['stats', join(addMul, 'model.onnx'), '--json', '--passes', 'O0']);
    const j = JSON.parse(r.out) as { opsBefore: number; opsAfter: number; kernels: number; memory: { peakBytes: number } };
    expect(j).toMatchObject({ opsBefore: 2, opsAfter: 2, kernels: 2 });
    expect(j.memory.peakBytes).toBeGreaterThan(0);
  });

  it('prints a readable summary', async () => {
    const r = await runCli(['stats', join(mlp, 'model.onnx')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^mlp \(pipeline: O2\)\n {2}ops: {6}\d+ before, \d+ after\n {2}kernels: {2}\d+\n {2}memory: {3}arena peak .+, lower bound .+ \(peak \d+\.\d\dx\), naive total .+\n {2}dims: {5}memory planned for batch=1 \(plan-memory\{bind=\.\.\.\} sets them\)\n {2}compile: {2}\d+\.\d ms\n$/);
  });
});

describe('tenth passes', () => {
  it('lists every pass with its summary and options, and the named pipelines', async () => {
    const r = await runCli(['passes']);
    expect(r.code).toBe(0);
    for (const p of allPasses()) {
      expect(r.out).toContain(`  ${p.name}\n      ${p.summary}\n`);
      for (const o of Object.keys(p.options)) expect(r.out).toContain(`      ${o}=`);
    }
    expect(r.out).toMatch(/ {2}O1 {2}fold-constants,canonicalize,cse,dce/);
    expect(r.out).toContain('  O2  O1,');
  });

  it('opt --help documents the pipeline flags', async () => {
    const r = await runCli(['opt', '--help']);
    for (const f of ['--passes PIPELINE', '--print-ir-after-all', '--print-ir-after-change', '--timing', '--dump-dir DIR', '--no-verify-each']) {
      expect(r.out).toContain(f);
    }
    expect(existsSync(ir)).toBe(true);
  });
});
