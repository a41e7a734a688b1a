// The pass manager: hook order, failures, verify-each, and the standard instruments (print-IR-after
// all/changed, timing, dump-to-folder). Passes here are small test passes registered at run time.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import {
  dumpToFolderInstrument, formatTiming, printIrAfterInstrument, registerPass, runPipeline, timingInstrument,
  unchanged, type Instrument, type Pass, type TargetProfile,
} from '../../passes/index.js';

const SOURCE = `module @m {
  func @main(%x: f32[2]) -> (%y: f32[2]) {
    %a = neg(%x) : f32[2]
    %b = neg(%a) : f32[2]
    %y = add(%b, %x) : f32[2]
    return %y
  }
}`;
const load = (): Module => parseModule(SOURCE, { file: 'm.ir' });

/** Renames every `neg` to `abs` (valid IR, changes the module). */
const negToAbs: Pass = {
  name: 'test-neg-to-abs',
  summary: 'neg -> abs',
  options: {},
  run(m) {
    let n = 0;
    for (const op of m.main.body.ops) if (op.name === 'neg') { op.name = 'abs'; n++; }
    return { changed: n > 0, counters: { renamed: n } };
  },
};
/** Removes the first op: its result is then used before definition (broken IR). */
const breakIr: Pass = {
  name: 'test-break',
  summary: 'breaks the IR',
  options: {},
  run(m) { m.main.body.ops.shift(); return { changed: true, counters: {} }; },
};
const throwing: Pass = {
  name: 'test-throw',
  summary: 'throws',
  options: {},
  run() { throw new Error('boom'); },
};
let seenTarget: TargetProfile | undefined;
const recordTarget: Pass = {
  name: 'test-target',
  summary: 'records the target',
  options: { k: { type: 'int', default: 1, summary: 'k' } },
  run(_m, ctx, opts) { seenTarget = ctx.target; return { changed: false, counters: { k: Number(opts['k']) } }; },
};
for (const p of [negToAbs, breakIr, throwing, recordTarget]) registerPass(p);

/** An instrument that logs every hook call. */
function recorder(log: string[], tag = ''): Instrument {
  return {
    beforePipeline: (e) => log.push(`${tag}start ${e.steps.length}`),
    beforePass: (e) => log.push(`${tag}before ${e.pass.name} ${e.index + 1}/${e.count}`),
    afterPass: (e) => log.push(`${tag}after ${e.pass.name} ${e.result.changed}`),
    afterPassFailed: (e) => log.push(`${tag}failed ${e.pass.name} ${e.error instanceof TenthError ? e.error.code : (e.error as Error).message}`),
    afterPipeline: (e) => log.push(`${tag}end ${e.results.length}`),
  };
}

describe('runPipeline', () => {
  it('runs steps in order, calls hooks in order around each, and sums counters', () => {
    const m = load();
    const log: string[] = [];
    const r = runPipeline(m, 'test-target{k=5},test-neg-to-abs,test-neg-to-abs', { instruments: [recorder(log, 'a:'), recorder(log, 'b:')] });
    expect(log).toEqual([
      'a:start 3', 'b:start 3',
      'a:before test-target 1/3', 'b:before test-target 1/3', 'a:after test-target false', 'b:after test-target false',
      'a:before test-neg-to-abs 2/3', 'b:before test-neg-to-abs 2/3', 'a:after test-neg-to-abs true', 'b:after test-neg-to-abs true',
      'a:before test-neg-to-abs 3/3', 'b:before test-neg-to-abs 3/3', 'a:after test-neg-to-abs false', 'b:after test-neg-to-abs false',
      'a:end 3', 'b:end 3',
    ]);
    expect(r.results.map((s) => [s.pass, s.changed, s.counters])).toEqual([
      ['test-target', false, { k: 5 }],
      ['test-neg-to-abs', true, { renamed: 2 }],
      ['test-neg-to-abs', false, { renamed: 0 }],
    ]);
    expect(r.changed).toBe(true);
    expect(r.counters).toEqual({ 'test-target/k': 5, 'test-neg-to-abs/renamed': 2 });
    expect(printModule(m)).toContain('%a = abs(%x)');
  });

  it('hands the target to passes (interp by default)', () => {
    runPipeline(load(), 'test-target');
    expect(seenTarget?.name).toBe('interp');
    const wasm: TargetProfile = { name: 'wasm', layout: 'nhwc', alignment: 64 };
    runPipeline(load(), [{ pass: 'test-target' }], { target: wasm });
    expect(seenTarget).toBe(wasm);
  });

  it('reports pipeline errors before running any pass', () => {
    const m = load();
    const log: string[] = [];
    expect(() => runPipeline(m, 'test-neg-to-abs,nope', { instruments: [recorder(log)] })).toThrow(/unknown pass 'nope'/);
    expect(log).toEqual([]);
    expect(printModule(m)).toBe(printModule(load()));
  });

  it('verify-each (default) stops at the pass that broke the IR, naming it, with the verifier diagnostics', () => {
    const log: string[] = [];
    let err: unknown;
    try {
      runPipeline(load(), 'test-neg-to-abs,test-break,test-neg-to-abs', { instruments: [recorder(log)] });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TenthError);
    const e = err as TenthError;
    expect(e.code).toBe('E302');
    expect(e.message).toContain("after pass 'test-break': ");
    expect(e.message).toContain('note: verify-each: IR invalid after pass test-break (step 2 of 3)');
    expect(log).toEqual(['start 3', 'before test-neg-to-abs 1/3', 'after test-neg-to-abs true', 'before test-break 2/3', 'failed test-break E302']);
  });

  it('without verify-each a broken module goes through', () => {
    const r = runPipeline(load(), 'test-break', { verifyEach: false });
    expect(r.results).toHaveLength(1);
  });

  it('verify-each checks the input first', () => {
    const m = load();
    m.main.body.ops.shift();
    expect(() => runPipeline(m, 'test-neg-to-abs')).toThrow(/the pipeline input does not verify/);
  });

  it('a pass that throws: afterPassFailed, then the same error', () => {
    const log: string[] = [];
    expect(() => runPipeline(load(), 'test-throw', { instruments: [recorder(log)] })).toThrow('boom');
    expect(log).toEqual(['start 1', 'before test-throw 1/1', 'failed test-throw boom']);
  });

  it('a pass that forgets its result is an internal error', () => {
    const bad = { name: 'test-no-result', summary: '', options: {}, run: () => undefined } as unknown as Pass;
    expect(() => runPipeline(load(), [{ pass: bad }])).toThrow(/returned undefined/);
  });

  it('an empty pipeline changes nothing and still verifies', () => {
    const r = runPipeline(load(), 'O0');
    expect(r).toMatchObject({ results: [], changed: false, counters: {} });
  });
});

describe('instruments', () => {
  it('print-IR-after-all prints after every pass; the text parses back', () => {
    const out: string[] = [];
    runPipeline(load(), 'test-neg-to-abs,test-target{k=2}', { instruments: [printIrAfterInstrument((t) => out.push(t))] });
    expect(out).toHaveLength(2);
    expect(out[0]!.split('\n')[0]).toBe('// *** IR after test-neg-to-abs (step 1 of 2) ***');
    expect(out[1]!.split('\n')[0]).toBe('// *** IR after test-target{k=2} (step 2 of 2), reported unchanged ***');
    expect(out[0]).toContain('%a = abs(%x)');
    expect(printModule(parseModule(out[1]!))).toBe(printModule(parseModule(out[0]!)));
  });

  it('print-IR-after-change prints only when the IR text changed', () => {
    const out: string[] = [];
    runPipeline(load(), 'test-target,test-neg-to-abs,test-neg-to-abs', { instruments: [printIrAfterInstrument((t) => out.push(t), { mode: 'changed' })] });
    expect(out.map((t) => t.split('\n')[0])).toEqual(['// *** IR after test-neg-to-abs (step 2 of 3) ***']);
  });

  it('print-IR-after prints the broken module after a failed pass (unless told not to)', () => {
    const out: string[] = [];
    expect(() => runPipeline(load(), 'test-break', { instruments: [printIrAfterInstrument((t) => out.push(t))] })).toThrow(TenthError);
    expect(out.map((t) => t.split('\n')[0])).toEqual(['// *** IR after FAILED test-break (step 1 of 1) ***']);
    const quiet: string[] = [];
    expect(() => runPipeline(load(), 'test-break', { instruments: [printIrAfterInstrument((t) => quiet.push(t), { onFailure: false })] })).toThrow();
    expect(quiet).toEqual([]);
  });

  it('timing: one row per step, table with total', () => {
    const out: string[] = [];
    const timing = timingInstrument((t) => out.push(t));
    const r = runPipeline(load(), 'test-neg-to-abs,test-target{k=3}', { instruments: [timing] });
    expect(timing.rows.map((x) => x.label)).toEqual(['test-neg-to-abs', 'test-target{k=3}']);
    expect(timing.rows.map((x) => x.ms)).toEqual(r.results.map((x) => x.ms));
    expect(out).toEqual([timing.report()]);
    const lines = out[0]!.trimEnd().split('\n');
    expect(lines[0]).toBe('// pass timing');
    expect(lines[lines.length - 1]).toMatch(/^\s+\d+\.\d{3}\s+100\.0%\s+total$/);
    expect(formatTiming([{ label: 'a', ms: 1 }, { label: 'b', ms: 3 }])).toBe([
      '// pass timing',
      '        ms   share  pass',
      '     1.000   25.0%  a',
      '     3.000   75.0%  b',
      '     4.000  100.0%  total',
      '',
    ].join('\n'));
  });

  describe('dump-to-folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-dump-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes NN-<pass>.ir after each pass, each one parseable', () => {
      const sub = join(dir, 'a', 'b');
      runPipeline(load(), 'test-target,test-neg-to-abs', { instruments: [dumpToFolderInstrument(sub)] });
      expect(readdirSync(sub).sort()).toEqual(['00-input.ir', '01-test-target.ir', '02-test-neg-to-abs.ir']);
      const last = readFileSync(join(sub, '02-test-neg-to-abs.ir'), 'utf8');
      expect(last.split('\n')[0]).toBe('// after test-neg-to-abs (step 2 of 2)');
      expect(printModule(parseModule(last))).toContain('%b = abs(%a)');
      expect(printModule(parseModule(readFileSync(join(sub, '00-input.ir'), 'utf8')))).toBe(printModule(load()));
    });

    it('marks the dump of a failed pass', () => {
      const sub = join(dir, 'failed');
      expect(() => runPipeline(load(), 'test-neg-to-abs,test-break', { instruments: [dumpToFolderInstrument(sub, { input: false })] })).toThrow();
      expect(readdirSync(sub).sort()).toEqual(['01-test-neg-to-abs.ir', '02-test-break.failed.ir']);
    });

    it('clears the dumps of an earlier run, and only those', () => {
      const sub = join(dir, 'again');
      runPipeline(load(), 'test-target,test-neg-to-abs,test-target', { instruments: [dumpToFolderInstrument(sub)] });
      writeFileSync(join(sub, 'notes.txt'), 'mine');
      runPipeline(load(), 'test-neg-to-abs', { instruments: [dumpToFolderInstrument(sub)] });
      expect(readdirSync(sub).sort()).toEqual(['00-input.ir', '01-test-neg-to-abs.ir', 'notes.txt']);
    });
  });
});
