// One catalogue of diagnostics with stable codes. Codes never change meaning once published;
// add new ones at the end of their group. User-facing failures are TenthError carrying
// diagnostics; any other exception is an internal bug.

import { formatLoc, type Loc, UNKNOWN_LOC } from './location.js';

export const DIAGNOSTICS = {
  // Input files and data (E1xx)
  E101: 'file not found',
  E102: 'file could not be read',
  E103: 'malformed protobuf',
  E104: 'data file does not match the model input',
  E105: 'missing data file',
  E106: 'external data path refused',
  E107: 'external data out of range',
  E108: 'invalid command-line usage',
  E109: 'unsupported tensor content',
  E110: 'invalid device profile',
  E111: 'file could not be written',
  // ONNX import (E2xx)
  E201: 'unsupported operators',
  E202: 'missing value',
  E203: 'graph has a cycle',
  E204: 'invalid attribute',
  E205: 'invalid tensor shape',
  E206: 'unsupported opset',
  E207: 'invalid model structure',
  E208: 'shape inference failed',
  // Verifier (E3xx)
  E301: 'value defined more than once',
  E302: 'value used before definition',
  E303: 'type mismatch',
  E304: 'unknown op',
  E305: 'wrong number of operands or results',
  E306: 'invalid attribute',
  E307: 'shape rule violated',
  E308: 'invalid region',
  E309: 'unknown weight',
  // IR text (E4xx)
  E401: 'syntax error',
  E402: 'undefined name',
  E403: 'duplicate name',
  // Execution (E5xx)
  E501: 'runtime error',
  E502: 'missing input',
  E503: 'input does not match its declared type',
  E504: 'unsupported in the interpreter',
  // Checking outputs (E6xx)
  E601: 'output mismatch',
} as const;

export type DiagCode = keyof typeof DIAGNOSTICS;
export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  readonly code: DiagCode;
  readonly severity: Severity;
  readonly message: string;
  readonly loc: Loc;
  readonly notes: readonly string[];
}

export function diag(code: DiagCode, message: string, loc: Loc = UNKNOWN_LOC, notes: readonly string[] = []): Diagnostic {
  return { code, severity: 'error', message, loc, notes };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.loc.kind === 'unknown' ? '' : `${formatLoc(d.loc)}: `;
  const head = `${where}${d.severity} ${d.code}: ${d.message}`;
  return [head, ...d.notes.map((n) => `  note: ${n}`)].join('\n');
}

/** A user-facing failure: bad input, unsupported feature, failed check. Not for internal bugs. */
export class TenthError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: Diagnostic | readonly Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? (diagnostics as readonly Diagnostic[]) : [diagnostics as Diagnostic];
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'TenthError';
    this.diagnostics = list;
  }
  get code(): DiagCode { return this.diagnostics[0]!.code; }
}

/** Throw a single-diagnostic TenthError. */
export function fail(code: DiagCode, message: string, loc: Loc = UNKNOWN_LOC, notes: readonly string[] = []): never {
  throw new TenthError(diag(code, message, loc, notes));
}
