// The runtime's error: a stable code, as the compiler's diagnostics carry (ir/diagnostics.ts),
// which the runtime cannot import. Re-exported by common.ts; its own file so that dims.ts, which
// common.ts imports, can use it without an import cycle.

/**
 * The compiler's codes (README "Error codes") that the runtime raises: E101 file not found,
 * E102 a damaged file (manifest.json not JSON, weights.bin of the wrong size), E501 what the
 * device or engine refuses (a missing feature, a limit, a failed index check, a trap), E502 a
 * missing input, E503 feeds that do not match the model's inputs (an unknown name, the dtype,
 * rank, dims, element count, or values that give impossible dims).
 */
export type RuntimeCode = 'E101' | 'E102' | 'E501' | 'E502' | 'E503';

const PREFIX = 'tenth runtime: ';

/**
 * Every error the runtime raises for what a caller or a folder got wrong, or a device lacks.
 * `code` is stable, as the compiler's TenthError's; the message starts with 'tenth runtime: '
 * (the CLI wraps such errors: keep it), `reason` is the message without that prefix.
 */
export class TenthRuntimeError extends Error {
  readonly code: RuntimeCode;
  constructor(code: RuntimeCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : `${PREFIX}${message}`, options);
    this.name = 'TenthRuntimeError';
    this.code = code;
  }
  get reason(): string { return this.message.slice(PREFIX.length); }
}

/** The error with more text after its message, keeping its code (anything else becomes E501). */
export function withContext(e: unknown, more: string): TenthRuntimeError {
  const message = e instanceof Error ? e.message : String(e);
  return new TenthRuntimeError(e instanceof TenthRuntimeError ? e.code : 'E501', `${message}${more}`, { cause: e });
}
