// A small command-line parser: each command declares its positionals and options once, and the
// same declaration drives parsing, validation and the help text (so --help cannot drift from what
// is accepted). Bad usage throws E108.

import { fail } from '../../ir/diagnostics.js';

export type OptionKind = 'boolean' | 'string' | 'number';

export interface OptionSpec {
  readonly name: string;
  /** One-letter alias, e.g. 'o' for -o. */
  readonly short?: string;
  readonly kind: OptionKind;
  /** Placeholder shown in help, e.g. FILE. */
  readonly arg?: string;
  readonly help: string;
  readonly default?: string | number | boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Extra paragraphs shown by `tenth <cmd> --help`. */
  readonly details?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
}

export type OptionValues = Record<string, string | number | boolean | undefined>;

export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: OptionValues;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', kind: 'boolean', help: 'show help for the command and exit' },
  { name: 'debug', kind: 'boolean', help: 'print stack traces for errors' },
];

function usage(cmd: string, message: string): never {
  return fail('E108', message, undefined, [`run 'tenth ${cmd} --help' for usage`]);
}

function parseNumber(cmd: string, flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) usage(cmd, `option --${flag} expects a number, got '${text}'`);
  return n;
}

/** Parse argv (without the command name) against a command's spec. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: OptionValues = {};
  const all = [...spec.options, ...GLOBAL_OPTIONS];
  for (const o of all) if (o.default !== undefined) options[o.name] = o.default;
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (onlyPositionals || a === '-' || !a.startsWith('-')) { positionals.push(a); continue; }
    if (a === '--') { onlyPositionals = true; continue; }
    let name: string;
    let inline: string | undefined;
    let opt: OptionSpec | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      inline = eq < 0 ? undefined : a.slice(eq + 1);
      opt = all.find((o) => o.name === name);
    } else {
      name = a.slice(1);
      if (name.length > 1 && !/^\d/.test(name)) {
        // -oFILE form for short options that take a value.
        inline = name.slice(1);
        name = name[0]!;
      }
      opt = all.find((o) => o.short === name);
    }
    if (!opt) {
      const known = spec.options.map((o) => `--${o.name}`).join(', ') || '(none)';
      usage(spec.name, `unknown option '${a}' for '${spec.name}' (options: ${known})`);
    }
    if (opt.kind === 'boolean') {
      if (inline !== undefined) usage(spec.name, `option --${opt.name} takes no value`);
      options[opt.name] = true;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (i + 1 >= argv.length) usage(spec.name, `option --${opt.name} needs a value (${opt.arg ?? 'VALUE'})`);
      text = argv[++i]!;
    }
    options[opt.name] = opt.kind === 'number' ? parseNumber(spec.name, opt.name, text) : text;
  }
  if (options['help'] === true) return { positionals, options };
  if (positionals.length !== spec.positionals.length) {
    const want = spec.positionals.map((p) => p.name).join(' ') || 'no arguments';
    usage(spec.name, `'${spec.name}' expects ${want}; got ${positionals.length === 0 ? 'none' : positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  return { positionals, options };
}

function optionLabel(o: OptionSpec): string {
  const long = `--${o.name}${o.kind === 'boolean' ? '' : ` ${o.arg ?? 'VALUE'}`}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}

export function usageLine(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => p.name).join(' ');
  return `tenth ${spec.name}${pos ? ` ${pos}` : ''}${spec.options.length ? ' [options]' : ''}`;
}

/** 1e-5 rather than 0.00001. */
const defaultText = (v: string | number | boolean): string =>
  typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);

/** Help text for one command, generated from its spec. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, '', spec.summary];
  if (spec.details) lines.push('', spec.details);
  if (spec.positionals.length) {
    lines.push('', 'Arguments:', ...table(spec.positionals.map((p) => [p.name, p.help] as const)));
  }
  const opts = [...spec.options, ...GLOBAL_OPTIONS];
  lines.push('', 'Options:', ...table(opts.map((o) => [
    optionLabel(o),
    o.default !== undefined && o.kind !== 'boolean' ? `${o.help} (default ${defaultText(o.default)})` : o.help,
  ] as const)));
  return lines.join('\n') + '\n';
}

/** The top-level help: every command with its summary. */
export function mainHelp(specs: readonly CommandSpec[], intro: string, outro: string): string {
  const lines = [intro, '', 'Usage: tenth <command> [arguments] [options]', '', 'Commands:'];
  lines.push(...table(specs.map((s) => [s.name, s.summary] as const)));
  lines.push('', 'Global options:', ...table([
    ['-h, --help', 'show help (also: tenth <command> --help)'],
    ['    --version', 'print the version'],
    ['    --debug', 'print stack traces for errors'],
  ]));
  lines.push('', outro);
  return lines.join('\n') + '\n';
}
