// `tenth summary`: a short description of a module: name, metadata (opset, producer), the main
// function's inputs and outputs, op counts by IR op, weights and their size.

import { type Module, walkOps } from '../../ir/ir.js';
import { packedByteLength, sizeOf } from '../../ir/tensor.js';
import { formatType, staticSize } from '../../ir/types.js';

export interface ModuleSummary {
  readonly name: string;
  readonly meta: Record<string, string>;
  readonly inputs: readonly { name: string; type: string }[];
  readonly outputs: readonly { name: string; type: string }[];
  /** IR op name -> count, over all regions, terminators excluded; sorted by count then name. */
  readonly ops: readonly { op: string; count: number }[];
  readonly weights: { count: number; parameters: number; bytes: number };
  /** `const` ops with inline tensors. */
  readonly inlineConstants: { count: number; elements: number; bytes: number };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function summarizeModule(m: Module): ModuleSummary {
  const f = m.main;
  const counts = new Map<string, number>();
  let constCount = 0, constElements = 0, constBytes = 0;
  for (const fn of m.funcs) {
    for (const op of walkOps(fn.body)) {
      if (op.name === 'return' || op.name === 'yield') continue;
      counts.set(op.name, (counts.get(op.name) ?? 0) + 1);
      const v = op.name === 'const' ? op.attrs.get('value') : undefined;
      if (v?.kind === 'tensor') {
        const n = sizeOf(v.value.shape);
        constCount++;
        constElements += n;
        constBytes += v.value.dtype === 'string' ? 0 : packedByteLength(v.value.dtype, n);
      }
    }
  }
  let parameters = 0, bytes = 0;
  for (const w of m.weights.values()) {
    const n = staticSize(w.type.shape) ?? 0;
    parameters += n;
    bytes += w.type.dtype === 'string' ? 0 : packedByteLength(w.type.dtype, n);
  }
  return {
    name: m.name,
    meta: Object.fromEntries([...m.meta.entries()].sort((a, b) => byName(a[0], b[0]))),
    inputs: f.args.map((a) => ({ name: a.name, type: formatType(a.type) })),
    outputs: f.resultNames.map((name, i) => ({ name, type: f.resultTypes[i] ? formatType(f.resultTypes[i]!) : '?' })),
    ops: [...counts.entries()].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || byName(a.op, b.op)),
    weights: { count: m.weights.size, parameters, bytes },
    inlineConstants: { count: constCount, elements: constElements, bytes: constBytes },
  };
}

const num = (n: number): string => n.toLocaleString('en-US');
const count = (n: number, what: string): string => `${num(n)} ${what}${n === 1 ? '' : 's'}`;

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

export function formatSummary(s: ModuleSummary): string {
  const lines = [`module: ${s.name}`];
  for (const [k, v] of Object.entries(s.meta)) lines.push(`  ${k}: ${v}`);
  lines.push(`inputs (${s.inputs.length}):`, ...s.inputs.map((i) => `  %${i.name}: ${i.type}`));
  lines.push(`outputs (${s.outputs.length}):`, ...s.outputs.map((o) => `  ${o.name}: ${o.type}`));
  const total = s.ops.reduce((a, o) => a + o.count, 0);
  const w = Math.max(0, ...s.ops.map((o) => o.op.length));
  lines.push(`ops (${num(total)}):`, ...s.ops.map((o) => `  ${o.op.padEnd(w)}  ${o.count}`));
  lines.push(`weights: ${count(s.weights.count, 'tensor')}, ${count(s.weights.parameters, 'parameter')}, ${bytesText(s.weights.bytes)}`);
  lines.push(`inline constants: ${count(s.inlineConstants.count, 'tensor')}, ${count(s.inlineConstants.elements, 'element')}, ${bytesText(s.inlineConstants.bytes)}`);
  return lines.join('\n') + '\n';
}
