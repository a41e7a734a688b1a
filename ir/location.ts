// Source locations. Every op carries one: the model file and ONNX node it came from, or the line
// and column in IR text it was parsed from. Transforms copy the location of the op they replace.

export type Loc =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'node'; readonly file: string; readonly node: string }
  | { readonly kind: 'text'; readonly file: string; readonly line: number; readonly col: number };

export const UNKNOWN_LOC: Loc = { kind: 'unknown' };

export const nodeLoc = (file: string, node: string): Loc => ({ kind: 'node', file, node });
export const textLoc = (file: string, line: number, col: number): Loc => ({ kind: 'text', file, line, col });

/** Human-readable form used in diagnostics: `model.onnx: node "/conv1/Conv"` or `a.ir:3:7`. */
export function formatLoc(loc: Loc): string {
  switch (loc.kind) {
    case 'unknown': return '<unknown>';
    case 'node': return loc.node ? `${loc.file}: node "${loc.node}"` : loc.file;
    case 'text': return `${loc.file}:${loc.line}:${loc.col}`;
  }
}
