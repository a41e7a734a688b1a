// A small FileCheck for pass goldens (test/passes/*.ir), with LLVM's semantics on substrings:
//   CHECK: text        the next line containing text, after the previous match
//   CHECK-NEXT: text   the line right after the previous match contains text
//   CHECK-NOT: text    text occurs nowhere between the previous match and the next positive match
//                      (or the end of the current label block)
//   CHECK-LABEL: text  like CHECK, but labels are matched first and split the output into blocks:
//                      the checks after a label must match before the next label's line
//   EXPECT-ERROR: CODE [text]  the case must fail with a TenthError of that code (and message text)
// Runs of whitespace compare equal to one space, so indentation in the output does not matter.
//
// Golden files: a `// RUN: pipeline` line, then cases separated by `// -----` lines; a case without
// its own RUN line uses the file's first one.

export type CheckKind = 'CHECK' | 'CHECK-NEXT' | 'CHECK-NOT' | 'CHECK-LABEL';

export interface Check {
  readonly kind: CheckKind;
  readonly text: string;
  /** 1-based line in the golden file. */
  readonly line: number;
}

export interface ExpectError {
  readonly code: string;
  /** Text the error message must contain ('' = any). */
  readonly text: string;
  readonly line: number;
}

export interface GoldenCase {
  /** 1-based index in the file. */
  readonly index: number;
  /** 1-based line of the case's first line in the file. */
  readonly line: number;
  /** The case's text, preceded by blank lines so parser locations are file lines. */
  readonly source: string;
  readonly run: string;
  readonly runLine: number;
  readonly checks: readonly Check[];
  readonly expectError: ExpectError | undefined;
}

const SEPARATOR = /^\/\/ -----\s*$/;
const RUN = /^\s*\/\/\s*RUN:\s*(.*?)\s*$/;
const CHECK = /^\s*\/\/\s*(CHECK|CHECK-NEXT|CHECK-NOT|CHECK-LABEL):(.*)$/;
const EXPECT_ERROR = /^\s*\/\/\s*EXPECT-ERROR:\s*(E\d+)\s*(.*?)\s*$/;
/** Check-like directives we do not support: a typo must not silently check nothing. */
const UNKNOWN_DIRECTIVE = /^\s*\/\/\s*(CHECK[\w-]*|EXPECT[\w-]*|RUN[\w-]*)\s*:/;

/** Split a golden file into cases. Throws on a file without RUN line or with unknown directives. */
export function parseGoldenFile(text: string, file: string): GoldenCase[] {
  const lines = text.split('\n');
  let fileRun: { run: string; line: number } | undefined;
  for (let i = 0; i < lines.length && !fileRun; i++) {
    const m = RUN.exec(lines[i]!);
    if (m) fileRun = { run: m[1]!, line: i + 1 };
  }
  if (!fileRun) throw new Error(`${file}: no '// RUN: <pipeline>' line`);
  const cases: GoldenCase[] = [];
  let start = 0;
  const flush = (end: number): void => {
    const caseLines = lines.slice(start, end);
    if (caseLines.every((l) => l.trim() === '' || /^\s*\/\//.test(l)) && !caseLines.some((l) => CHECK.test(l) || EXPECT_ERROR.test(l))) {
      start = end + 1;
      return; // only comments (a file header or trailing separator)
    }
    let run = fileRun!;
    const checks: Check[] = [];
    let expectError: ExpectError | undefined;
    caseLines.forEach((l, k) => {
      const line = start + k + 1;
      let m: RegExpExecArray | null;
      if ((m = RUN.exec(l))) {
        run = { run: m[1]!, line };
      } else if ((m = CHECK.exec(l))) {
        checks.push({ kind: m[1] as CheckKind, text: m[2]!.trim(), line });
      } else if ((m = EXPECT_ERROR.exec(l))) {
        if (expectError) throw new Error(`${file}:${line}: a case has at most one EXPECT-ERROR`);
        expectError = { code: m[1]!, text: m[2]!, line };
      } else if (UNKNOWN_DIRECTIVE.test(l)) {
        throw new Error(`${file}:${line}: unknown directive: ${l.trim()}`);
      }
    });
    if (expectError && checks.length > 0) throw new Error(`${file}:${expectError.line}: EXPECT-ERROR cannot be combined with CHECK lines`);
    if (!expectError && checks.length === 0) throw new Error(`${file}:${start + 1}: case has no CHECK or EXPECT-ERROR line`);
    for (const c of checks) if (c.text === '') throw new Error(`${file}:${c.line}: empty ${c.kind}`);
    cases.push({
      index: cases.length + 1,
      line: start + 1,
      source: '\n'.repeat(start) + caseLines.join('\n'),
      run: run.run,
      runLine: run.line,
      checks,
      expectError,
    });
    start = end + 1;
  };
  lines.forEach((l, i) => { if (SEPARATOR.test(l)) flush(i); });
  flush(lines.length);
  return cases;
}

const norm = (s: string): string => s.replace(/\s+/g, ' ');
const contains = (line: string, text: string): boolean => norm(line).includes(norm(text));

export interface CheckFailure {
  readonly check: Check;
  readonly message: string;
}

/**
 * Match `checks` against `output`. Returns undefined when all hold, else the first failing check
 * with a message naming the output lines involved (1-based).
 */
export function fileCheck(output: string, checks: readonly Check[]): CheckFailure | undefined {
  const lines = output.split('\n');
  // Labels first: each after the previous one; they bound the blocks the other checks search.
  const labelAt = new Map<Check, number>();
  let from = 0;
  for (const c of checks) {
    if (c.kind !== 'CHECK-LABEL') continue;
    const at = find(lines, c.text, from, lines.length);
    if (at < 0) return { check: c, message: `CHECK-LABEL not found at or after output line ${from + 1}` };
    labelAt.set(c, at);
    from = at + 1;
  }
  const labels = [...labelAt.values()];
  let pos = 0; // next line to search
  let last = -1; // line of the previous positive match
  let limit = labels[0] ?? lines.length; // end (exclusive) of the current block
  let nots: Check[] = [];
  const flushNots = (until: number): CheckFailure | undefined => {
    for (const n of nots) {
      const at = find(lines, n.text, pos, until);
      if (at >= 0) return { check: n, message: `CHECK-NOT text found on output line ${at + 1}: ${lines[at]!.trim()}` };
    }
    nots = [];
    return undefined;
  };
  for (const c of checks) {
    if (c.kind === 'CHECK-NOT') { nots.push(c); continue; }
    let at: number;
    if (c.kind === 'CHECK-LABEL') {
      at = labelAt.get(c)!;
      const bad = flushNots(at);
      if (bad) return bad;
      const k = labels.indexOf(at);
      limit = labels[k + 1] ?? lines.length;
    } else if (c.kind === 'CHECK-NEXT') {
      at = last + 1;
      if (last < 0 && pos === 0) return { check: c, message: 'CHECK-NEXT without a previous match' };
      if (at >= limit || !contains(lines[at] ?? '', c.text)) {
        return { check: c, message: `CHECK-NEXT expected on output line ${at + 1}, found: ${at < lines.length ? lines[at]!.trim() : '<end of output>'}` };
      }
      const bad = flushNots(at);
      if (bad) return bad;
    } else {
      at = find(lines, c.text, pos, limit);
      if (at < 0) {
        const where = limit < lines.length ? `output lines ${pos + 1}..${limit} (before the next CHECK-LABEL)` : `output lines ${pos + 1}..${lines.length}`;
        return { check: c, message: `CHECK not found in ${where}` };
      }
      const bad = flushNots(at);
      if (bad) return bad;
    }
    last = at;
    pos = at + 1;
  }
  return flushNots(limit);
}

function find(lines: readonly string[], text: string, from: number, until: number): number {
  for (let i = from; i < until; i++) if (contains(lines[i]!, text)) return i;
  return -1;
}

/** The output with line numbers, for failure messages. */
export function numbered(output: string): string {
  const lines = output.split('\n');
  const w = String(lines.length).length;
  return lines.map((l, i) => `${String(i + 1).padStart(w)} | ${l}`).join('\n');
}
