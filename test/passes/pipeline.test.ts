// Pipeline strings: parsing, typed options, named pipelines, and the E108 errors that point at the
// column and list what is known.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import {
  allPasses, formatPipeline, getNamedPipeline, namedPipelineNames, parsePipeline, registerPass, resolvePipeline,
  unchanged, type Pass, type PassOptionValue, type PipelineStep,
} from '../../passes/index.js';

const testPass: Pass = {
  name: 'test-options',
  summary: 'a pass with one option of each type',
  options: {
    n: { type: 'int', default: 4, summary: 'an int' },
    scale: { type: 'float', default: 0.5, summary: 'a float' },
    on: { type: 'bool', default: false, summary: 'a bool' },
    mode: { type: 'string', default: 'fast', summary: 'a choice', choices: ['fast', 'slow', 'a b'] },
    text: { type: 'string', default: '', summary: 'free text' },
  },
  run: () => unchanged,
};
registerPass(testPass);

/** The E108 error thrown by `f`, with its message and notes joined. */
function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TenthError);
    const err = e as TenthError;
    expect(err.code).toBe('E108');
    return err.message;
  }
  throw new Error('expected an error');
}

describe('parsePipeline', () => {
  it('parses passes with typed options', () => {
    expect(parsePipeline('fold-constants,cse,fuse{max-ops=16},plan-memory')).toEqual([
      { pass: 'fold-constants', options: {} },
      { pass: 'cse', options: {} },
      { pass: 'fuse', options: { 'max-ops': 16 } },
      { pass: 'plan-memory', options: {} },
    ]);
    expect(parsePipeline(' test-options { n = -3, scale=1e-3 on mode=slow text="x,y}z" } , dce ')).toEqual([
      { pass: 'test-options', options: { n: -3, scale: 0.001, on: true, mode: 'slow', text: 'x,y}z' } },
      { pass: 'dce', options: {} },
    ]);
    expect(parsePipeline("test-options{on=false,mode='a b',scale=-inf,n=+7}")).toEqual([
      { pass: 'test-options', options: { on: false, mode: 'a b', scale: -Infinity, n: 7 } },
    ]);
    expect(parsePipeline('')).toEqual([]);
    expect(parsePipeline('  ')).toEqual([]);
  });

  it('expands named pipelines in place', () => {
    const names = (p: string): string[] => parsePipeline(p).map((s) => String(s.pass));
    expect(names('O0')).toEqual([]);
    expect(names('O1')).toEqual(['fold-constants', 'canonicalize', 'cse', 'dce']);
    expect(names('O1,fuse')).toEqual(['fold-constants', 'canonicalize', 'cse', 'dce', 'fuse']);
    expect(names('dce,O0,dce')).toEqual(['dce', 'dce']);
    const o2 = names('O2');
    expect(o2.slice(0, 4)).toEqual(names('O1'));
    expect(o2[o2.length - 1]).toBe('plan-memory');
    expect(o2.indexOf('canonicalize')).toBeLessThan(o2.indexOf('fuse'));
    expect(namedPipelineNames()).toEqual(['O0', 'O1', 'O2']);
    for (const n of namedPipelineNames()) expect(() => parsePipeline(getNamedPipeline(n)!)).not.toThrow();
  });

  it('rejects an unknown pass, pointing at its column and listing the known passes', () => {
    const msg = usageError(() => parsePipeline('cse,no-such-pass{x=1}'));
    expect(msg).toContain("unknown pass 'no-such-pass' (column 5)");
    expect(msg).toContain("note: 'cse,no-such-pass{x=1}'\n  note:      ^\n");
    expect(msg).toContain(`known passes: ${allPasses().map((p) => p.name).join(', ')}`);
    expect(msg).toContain('named pipelines: O0, O1, O2');
  });

  it('rejects an unknown option, listing the pass options with their types', () => {
    const msg = usageError(() => parsePipeline('test-options{n=1,bogus=2}'));
    expect(msg).toContain("unknown option 'bogus' for pass 'test-options' (column 18)");
    expect(msg).toContain("options of 'test-options': mode (fast|slow|a b), n (int), on (bool), scale (float), text (string)");
    expect(usageError(() => parsePipeline('cse{x=1}'))).toContain("pass 'cse' takes no options");
  });

  it('rejects values that do not fit the option type', () => {
    expect(usageError(() => parsePipeline('test-options{n=1.5}'))).toContain("option 'n' of pass 'test-options': expected an integer, got '1.5' (column 16)");
    expect(usageError(() => parsePipeline('test-options{n=}'))).toContain("expected an integer, got ''");
    expect(usageError(() => parsePipeline('test-options{scale=abc}'))).toContain('expected a number');
    expect(usageError(() => parsePipeline('test-options{on=yes}'))).toContain('expected true or false');
    expect(usageError(() => parsePipeline('test-options{mode=medium}'))).toContain('expected one of fast, slow, a b');
    expect(usageError(() => parsePipeline('test-options{n}'))).toContain("option 'n' of pass 'test-options' needs a value");
    expect(usageError(() => parsePipeline('test-options{n=1,n=2}'))).toContain("option 'n' given twice");
  });

  it('reports syntax errors with their column', () => {
    expect(usageError(() => parsePipeline('cse,,dce'))).toContain('expected a pass name, found \',\' (column 5)');
    expect(usageError(() => parsePipeline('cse,'))).toContain('expected a pass name (column 5)');
    expect(usageError(() => parsePipeline('cse dce'))).toContain("expected ',' between passes, found 'd' (column 5)");
    expect(usageError(() => parsePipeline('test-options{n=1'))).toContain("missing '}'");
    expect(usageError(() => parsePipeline('test-options{text="abc}'))).toContain('unterminated quoted value (column 19)');
    expect(usageError(() => parsePipeline('O1{x=1}'))).toContain("named pipeline 'O1' takes no options");
  });
});

describe('resolvePipeline', () => {
  it('fills in defaults and keeps given options', () => {
    const [s] = resolvePipeline('test-options{n=9}');
    expect(s!.pass).toBe(testPass);
    expect(s!.options).toEqual({ n: 9, scale: 0.5, on: false, mode: 'fast', text: '' });
  });

  it('checks steps built in code the same way', () => {
    const steps: PipelineStep[] = [{ pass: 'test-options', options: { mode: 'slow' } }, { pass: 'dce' }, { pass: testPass, options: { on: true } }];
    expect(resolvePipeline(steps).map((s) => s.options['mode'] ?? null)).toEqual(['slow', null, 'fast']);
    expect(usageError(() => resolvePipeline([{ pass: 'nope' }]))).toContain("step 1: unknown pass 'nope'");
    expect(usageError(() => resolvePipeline([{ pass: 'dce' }, { pass: 'test-options', options: { n: '3' } }]))).toContain(
      "step 2: option 'n' of pass 'test-options': expected an integer, got \"3\"",
    );
    expect(usageError(() => resolvePipeline([{ pass: 'test-options', options: { mode: 'x' } }]))).toContain('expected one of fast, slow, a b');
    expect(usageError(() => resolvePipeline([{ pass: 'test-options', options: { zz: 1 } }]))).toContain("unknown option 'zz'");
    expect(usageError(() => resolvePipeline([{ pass: 'O1' }]))).toContain("'O1' is a named pipeline");
  });
});

describe('formatPipeline', () => {
  // Any steps built from the registered passes print to a string that parses back to the same steps.
  const arbValue = (spec: Pass['options'][string]): fc.Arbitrary<PassOptionValue> => {
    switch (spec.type) {
      case 'int': return fc.integer({ min: -1000, max: 1000 });
      case 'float': return fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(Infinity, -Infinity, 0.1));
      case 'bool': return fc.boolean();
      case 'string': return spec.choices ? fc.constantFrom(...spec.choices) : fc.string({ maxLength: 6 });
    }
  };
  const arbStep: fc.Arbitrary<PipelineStep> = fc.constantFrom(...allPasses()).chain((p) => {
    const keys = Object.keys(p.options);
    return fc.subarray(keys).chain((ks) =>
      fc.tuple(...ks.map((k) => arbValue(p.options[k]!))).map((vs) => ({
        pass: p.name,
        options: Object.fromEntries(ks.map((k, i) => [k, vs[i]!]).filter(([k, v]) => p.options[k as string]!.default !== v)),
      })),
    );
  });

  it('round-trips through parsePipeline', () => {
    fc.assert(fc.property(fc.array(arbStep, { maxLength: 5 }), (steps) => {
      const text = formatPipeline(steps);
      const back = parsePipeline(text).map((s) => ({ pass: s.pass, options: { ...s.options } }));
      expect(back).toEqual(steps.map((s) => ({ pass: s.pass, options: { ...s.options } })));
    }), { numRuns: 300 });
  });

  it('prints only options that differ from the defaults', () => {
    expect(formatPipeline(resolvePipeline('test-options{n=4,mode=slow},dce'))).toBe('test-options{mode=slow},dce');
    expect(formatPipeline(resolvePipeline('test-options{text="a b"}'))).toBe('test-options{text="a b"}');
  });
});
