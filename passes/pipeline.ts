// Pipelines: the text form (`fold-constants,cse,fuse{max-ops=16},plan-memory`, `O1,fuse`) and the
// code form (an array of {pass, options}) both resolve here to a list of registered passes with
// every option present and typed by the pass's PassOptionSpec. Named pipelines (O0, O1, O2) expand
// in place. Every mistake is a TenthError E108 that names what is known; text errors point at the
// column in the pipeline string.
//
// Grammar (whitespace allowed around every token):
//   pipeline := (item (',' item)*)?
//   item     := name ('{' (option ((',' | ' ') option)*)? '}')?
//   option   := key '=' value | key            (a bare key sets a bool option to true)
//   value    := "double quoted" | 'single quoted' | bare run of chars other than , } { whitespace

import { diag, type Diagnostic, TenthError } from '../ir/diagnostics.js';
import { textLoc, UNKNOWN_LOC, type Loc } from '../ir/location.js';
import type { Pass, PassOptions, PassOptionSpec, PassOptionValue } from './pass.js';
import { allPasses, getPass } from './registry.js';
import { getNamedPipeline, namedPipelineNames } from './pipelines.js';

/** One step of a pipeline built in code: a pass (by name or object) with some of its options. */
export interface PipelineStep {
  readonly pass: string | Pass;
  readonly options?: Readonly<Record<string, PassOptionValue>>;
}

/** A step ready to run: the registered pass and all of its options, defaults filled in. */
export interface ResolvedStep {
  readonly pass: Pass;
  readonly options: PassOptions;
}

/** Where a pipeline string came from, for error locations (default `<pipeline>`). */
export interface ParsePipelineOptions {
  readonly file?: string;
}

/**
 * Parse a pipeline string into steps whose options are typed (not yet defaulted), expanding named
 * pipelines. Throws TenthError E108 on an unknown pass or option, a bad value or a syntax error.
 */
export function parsePipeline(text: string, opts: ParsePipelineOptions = {}): PipelineStep[] {
  return new PipelineParser(text, opts.file ?? '<pipeline>', []).parse();
}

/** Parse (if text) and resolve: each step's pass looked up, options checked and defaulted. */
export function resolvePipeline(pipeline: string | readonly PipelineStep[]): ResolvedStep[] {
  const steps = typeof pipeline === 'string' ? parsePipeline(pipeline) : pipeline;
  return steps.map((s, i) => resolveStep(s, i));
}

/** The text form of resolved steps, options that differ from their defaults only. */
export function formatPipeline(steps: readonly (PipelineStep | ResolvedStep)[]): string {
  return steps.map(formatStep).join(',');
}

export function formatStep(step: PipelineStep | ResolvedStep): string {
  const pass = typeof step.pass === 'string' ? getPass(step.pass) : step.pass;
  const name = typeof step.pass === 'string' ? step.pass : step.pass.name;
  const opts = Object.entries(step.options ?? {}).filter(([k, v]) => pass?.options[k]?.default !== v);
  if (opts.length === 0) return name;
  return `${name}{${opts.map(([k, v]) => `${k}=${formatValue(v)}`).join(',')}}`;
}

function formatValue(v: PassOptionValue): string {
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  return /^[^,{}\s"']+$/.test(s) ? s : JSON.stringify(s);
}

/** The known passes, for error messages: `cse, dce, fuse{max-ops: int}, ...`. */
export function describeKnownPasses(): string {
  return allPasses().map((p) => p.name).join(', ');
}

function describeOptions(pass: Pass): string {
  const names = Object.keys(pass.options).sort();
  if (names.length === 0) return `pass '${pass.name}' takes no options`;
  return `options of '${pass.name}': ${names.map((n) => `${n} (${describeSpec(pass.options[n]!)})`).join(', ')}`;
}

function describeSpec(spec: PassOptionSpec): string {
  return spec.choices ? spec.choices.join('|') : spec.type;
}

function usage(message: string, loc: Loc, notes: readonly string[]): TenthError {
  return new TenthError(diag('E108', message, loc, notes));
}

/** Convert an option's text to its declared type; returns an error message when it does not fit. */
export function convertOption(spec: PassOptionSpec, raw: string): PassOptionValue | { error: string } {
  switch (spec.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return { error: `expected an integer, got '${raw}'` };
      return Number(raw);
    }
    case 'float': {
      const x = /^[+-]?inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
      if (raw.trim() === '' || Number.isNaN(x)) return { error: `expected a number, got '${raw}'` };
      return x;
    }
    case 'bool': {
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return { error: `expected true or false, got '${raw}'` };
    }
    case 'string': {
      if (spec.choices && !spec.choices.includes(raw)) return { error: `expected one of ${spec.choices.join(', ')}, got '${raw}'` };
      return raw;
    }
  }
}

/** Check a value given in code against its spec (numbers for int/float, booleans, strings). */
function checkCodeValue(spec: PassOptionSpec, v: PassOptionValue): string | undefined {
  switch (spec.type) {
    case 'int': return typeof v === 'number' && Number.isSafeInteger(v) ? undefined : `expected an integer, got ${JSON.stringify(v)}`;
    case 'float': return typeof v === 'number' && !Number.isNaN(v) ? undefined : `expected a number, got ${JSON.stringify(v)}`;
    case 'bool': return typeof v === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(v)}`;
    case 'string':
      if (typeof v !== 'string') return `expected a string, got ${JSON.stringify(v)}`;
      return spec.choices && !spec.choices.includes(v) ? `expected one of ${spec.choices.join(', ')}, got '${v}'` : undefined;
  }
}

function resolveStep(step: PipelineStep, index: number): ResolvedStep {
  const where = `step ${index + 1}`;
  let pass: Pass | undefined;
  if (typeof step.pass === 'string') {
    pass = getPass(step.pass);
    if (!pass) {
      if (getNamedPipeline(step.pass)) {
        throw usage(`${where}: '${step.pass}' is a named pipeline; use it in a pipeline string or resolve it with parsePipeline`, UNKNOWN_LOC, []);
      }
      throw usage(`${where}: unknown pass '${step.pass}'`, UNKNOWN_LOC, [`known passes: ${describeKnownPasses()}`]);
    }
  } else {
    pass = step.pass;
  }
  const options: Record<string, PassOptionValue> = {};
  for (const [k, spec] of Object.entries(pass.options)) options[k] = spec.default;
  for (const [k, v] of Object.entries(step.options ?? {})) {
    const spec = pass.options[k];
    if (!spec) throw usage(`${where}: unknown option '${k}' for pass '${pass.name}'`, UNKNOWN_LOC, [describeOptions(pass)]);
    const bad = checkCodeValue(spec, v);
    if (bad) throw usage(`${where}: option '${k}' of pass '${pass.name}': ${bad}`, UNKNOWN_LOC, [describeOptions(pass)]);
    options[k] = v;
  }
  return { pass, options };
}

class PipelineParser {
  private pos = 0;
  constructor(private readonly text: string, private readonly file: string, private readonly expanding: readonly string[]) {}

  parse(): PipelineStep[] {
    const steps: PipelineStep[] = [];
    this.ws();
    if (this.pos >= this.text.length) return steps;
    for (;;) {
      steps.push(...this.item());
      this.ws();
      if (this.pos >= this.text.length) return steps;
      if (this.text[this.pos] !== ',') throw this.error(`expected ',' between passes, found '${this.text[this.pos]}'`, this.pos);
      this.pos++;
      this.ws();
    }
  }

  private item(): PipelineStep[] {
    const start = this.pos;
    const name = this.match(/[A-Za-z_][\w.-]*/y);
    if (!name) throw this.error(`expected a pass name${this.pos < this.text.length ? `, found '${this.text[this.pos]}'` : ''}`, this.pos);
    this.ws();
    const hasOptions = this.text[this.pos] === '{';
    const named = getNamedPipeline(name);
    const pass = getPass(name);
    if (!pass && named !== undefined) {
      if (hasOptions) throw this.error(`named pipeline '${name}' takes no options`, this.pos);
      if (this.expanding.includes(name)) throw this.error(`named pipeline '${name}' refers to itself`, start);
      return new PipelineParser(named, `<pipeline ${name}>`, [...this.expanding, name]).parse();
    }
    if (!pass) {
      throw this.error(`unknown pass '${name}'`, start, [
        `known passes: ${describeKnownPasses()}`,
        `named pipelines: ${namedPipelineNames().join(', ')}`,
      ]);
    }
    if (!hasOptions) return [{ pass: name, options: {} }];
    return [{ pass: name, options: this.options(pass) }];
  }

  private options(pass: Pass): Record<string, PassOptionValue> {
    this.pos++; // '{'
    const out: Record<string, PassOptionValue> = {};
    for (;;) {
      this.ws();
      if (this.text[this.pos] === '}') { this.pos++; return out; }
      if (this.pos >= this.text.length) throw this.error(`missing '}' after the options of '${pass.name}'`, this.pos);
      const keyAt = this.pos;
      const key = this.match(/[A-Za-z_][\w.-]*/y);
      if (!key) throw this.error(`expected an option name, found '${this.text[this.pos]}'`, this.pos);
      const spec = pass.options[key];
      if (!spec) throw this.error(`unknown option '${key}' for pass '${pass.name}'`, keyAt, [describeOptions(pass)]);
      if (key in out) throw this.error(`option '${key}' given twice`, keyAt);
      this.ws();
      let value: PassOptionValue;
      if (this.text[this.pos] === '=') {
        this.pos++;
        this.ws();
        const valueAt = this.pos;
        const raw = this.value();
        const v = convertOption(spec, raw);
        if (typeof v === 'object') throw this.error(`option '${key}' of pass '${pass.name}': ${v.error}`, valueAt, [describeOptions(pass)]);
        value = v;
      } else if (spec.type === 'bool') {
        value = true;
      } else {
        throw this.error(`option '${key}' of pass '${pass.name}' needs a value (${key}=...)`, this.pos, [describeOptions(pass)]);
      }
      out[key] = value;
      this.ws();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}' && !/\s/.test(this.text[this.pos - 1] ?? '')) {
        if (this.pos >= this.text.length) throw this.error(`missing '}' after the options of '${pass.name}'`, this.pos);
        throw this.error(`expected ',' or '}' after option '${key}', found '${this.text[this.pos]}'`, this.pos);
      }
    }
  }

  private value(): string {
    const q = this.text[this.pos];
    if (q === '"' || q === "'") {
      const start = this.pos;
      let end = this.pos + 1;
      while (end < this.text.length && this.text[end] !== q) end += this.text[end] === '\\' ? 2 : 1;
      if (end >= this.text.length) throw this.error('unterminated quoted value', start);
      this.pos = end + 1;
      const body = this.text.slice(start + 1, end);
      if (q === "'") return body.replace(/\\(.)/g, '$1');
      try {
        return JSON.parse(`"${body}"`) as string; // JSON escapes: \" \\ \n \u00e9 ...
      } catch {
        throw this.error('invalid escape in quoted value', start);
      }
    }
    return this.match(/[^,{}\s"']*/y) ?? '';
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m || m[0].length === 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /** A usage error at `at` (0-based), shown with the pipeline and a caret under the column. */
  private error(message: string, at: number, notes: readonly string[] = []): TenthError {
    const col = at + 1;
    const d: Diagnostic = diag('E108', `invalid pipeline: ${message} (column ${col})`, textLoc(this.file, 1, col), [
      `'${this.text}'`,
      `${' '.repeat(at + 1)}^`,
      ...notes,
    ]);
    return new TenthError(d);
  }
}
