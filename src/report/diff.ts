// `tenth diff OLD NEW`: what changed between two compile outputs (or two golden folders), kernel
// by kernel, with the cost delta of each. A folder holds kernels as
//   - model.wat (a WASM compile output): one kernel per function `$k<step>_<label>`;
//   - <step>-<label>.wat or .wgsl files (golden folders, WebGPU compile outputs);
// and report.json gives each kernel's FLOPs, bytes and predicted time.
//
// Kernels are matched by their label (the step number dropped) and the occurrence of that label,
// so inserting one kernel does not rename all the others; step numbers and function names inside
// the text are normalised for the same reason.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { fail } from '../../ir/diagnostics.js';
import { goldenFiles } from './golden.js';

export interface KernelEntry {
  /** Match key: label plus `#n` for the n-th kernel with the same label (n >= 2). */
  readonly key: string;
  /** Name as emitted (with its step number). */
  readonly name: string;
  readonly text: string;
  readonly flops: number;
  readonly bytes: number;
  readonly predictedUs: number;
}

export interface KernelSet {
  readonly dir: string;
  readonly kernels: readonly KernelEntry[];
}

export interface CostDelta { readonly flops: number; readonly bytes: number; readonly predictedUs: number }

export interface KernelChange {
  readonly key: string;
  readonly status: 'added' | 'removed' | 'changed';
  readonly oldName?: string;
  readonly newName?: string;
  readonly delta: CostDelta;
  /** Unified diff of the kernel text (changed kernels; whole text for added/removed). */
  readonly patch: string;
}

export interface DiffResult {
  readonly old: string;
  readonly new: string;
  readonly changes: readonly KernelChange[];
  readonly unchanged: number;
  readonly total: CostDelta;
  readonly oldTotal: CostDelta;
  readonly newTotal: CostDelta;
}

const label = (name: string): string => name.replace(/^\d+[-_]/, '').replace(/^k\d+_/, '');
/**
 * Numbering that changes when a kernel is inserted elsewhere: step numbers in function names, and
 * the WASM backend's buffer numbers (`$buf<id>` locals, loaded from the pointer table at
 * ptrBase + 4 id). Buffers are renamed by first appearance in the kernel and their table slots
 * hidden, so a kernel's text changes only when the kernel does.
 */
export function normaliseKernel(text: string): string {
  const bufs = new Map<string, string>();
  return text
    .replace(/\$k\d+_/g, '$k_')
    .replace(/\(local\.set (\$buf\d+) \(i32\.load \(i32\.const \d+\)\)\)/g, '(local.set $1 (i32.load (i32.const @slot)))')
    .replace(/\$buf\d+\b/g, (m) => {
      if (!bufs.has(m)) bufs.set(m, `$buf_${bufs.size}`);
      return bufs.get(m)!;
    });
}

interface ReportKernel { name?: string; flops?: number; bytes?: number; bytesRead?: number; bytesWritten?: number; predictedUs?: number }

function readReport(dir: string): ReportKernel[] {
  const f = join(dir, 'report.json');
  if (!existsSync(f)) return [];
  try {
    const r = JSON.parse(readFileSync(f, 'utf8')) as { kernels?: ReportKernel[] };
    return Array.isArray(r.kernels) ? r.kernels : [];
  } catch (e) {
    return fail('E102', `${f} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readKernelSet(dir: string): KernelSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('E101', `${dir} is not a folder`);
  const report = readReport(dir);
  const byName = new Map<string, ReportKernel>();
  for (const k of report) {
    if (k.name) byName.set(k.name, k);
  }
  const raw: { name: string; text: string; cost?: ReportKernel }[] = [];
  // A compile output is read as its golden files (one per kernel), so both kinds of folder compare.
  const texts = goldenFiles(dir);
  for (const [f, text] of texts) {
    const m = /^(.*)\.(wat|wgsl)$/.exec(f);
    if (m) raw.push({ name: m[1]!, text, cost: byName.get(m[1]!) });
  }
  if (raw.length === 0) fail('E101', `${dir} holds no kernels (model.wat, *.wat or *.wgsl)`);
  const seen = new Map<string, number>();
  const kernels = raw.map((r): KernelEntry => {
    const l = label(r.name);
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    const c = r.cost ?? {};
    return {
      key: n === 1 ? l : `${l}#${n}`, name: r.name, text: normaliseKernel(r.text),
      flops: c.flops ?? 0, bytes: c.bytes ?? (c.bytesRead ?? 0) + (c.bytesWritten ?? 0), predictedUs: c.predictedUs ?? 0,
    };
  });
  return { dir, kernels };
}

const zero: CostDelta = { flops: 0, bytes: 0, predictedUs: 0 };
const cost = (k: KernelEntry | undefined): CostDelta => (k ? { flops: k.flops, bytes: k.bytes, predictedUs: k.predictedUs } : zero);
const sub = (a: CostDelta, b: CostDelta): CostDelta => ({ flops: a.flops - b.flops, bytes: a.bytes - b.bytes, predictedUs: a.predictedUs - b.predictedUs });
const sum = (ks: readonly KernelEntry[]): CostDelta => ks.reduce((a, k) => ({ flops: a.flops + k.flops, bytes: a.bytes + k.bytes, predictedUs: a.predictedUs + k.predictedUs }), zero);

export function diffKernelSets(a: KernelSet, b: KernelSet, context = 3): DiffResult {
  const oldBy = new Map(a.kernels.map((k) => [k.key, k]));
  const newBy = new Map(b.kernels.map((k) => [k.key, k]));
  const keys = [...new Set([...a.kernels.map((k) => k.key), ...b.kernels.map((k) => k.key)])];
  const changes: KernelChange[] = [];
  let unchanged = 0;
  for (const key of keys) {
    const o = oldBy.get(key), n = newBy.get(key);
    const delta = sub(cost(n), cost(o));
    if (o && n && o.text === n.text && delta.flops === 0 && delta.bytes === 0) { unchanged++; continue; }
    const status = !o ? 'added' : !n ? 'removed' : 'changed';
    const patch = createTwoFilesPatch(o ? `a/${o.name}` : '/dev/null', n ? `b/${n.name}` : '/dev/null', o?.text ?? '', n?.text ?? '', undefined, undefined, { context })
      .split('\n').filter((l) => !/^={10,}$/.test(l) && !/^Index: /.test(l)).join('\n');
    changes.push({ key, status, ...(o ? { oldName: o.name } : {}), ...(n ? { newName: n.name } : {}), delta, patch });
  }
  // Biggest predicted-time change first, then FLOPs, bytes, and the key for a stable order.
  changes.sort((x, y) => Math.abs(y.delta.predictedUs) - Math.abs(x.delta.predictedUs) || Math.abs(y.delta.flops) - Math.abs(x.delta.flops) ||
    Math.abs(y.delta.bytes) - Math.abs(x.delta.bytes) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const oldTotal = sum(a.kernels), newTotal = sum(b.kernels);
  return { old: a.dir, new: b.dir, changes, unchanged, oldTotal, newTotal, total: sub(newTotal, oldTotal) };
}

const signed = (n: number, digits = 0): string => `${n > 0 ? '+' : n < 0 ? '-' : '±'}${Math.abs(n).toFixed(digits)}`;
const pct = (d: number, base: number): string => (base !== 0 ? ` (${signed(100 * d / base, 1)}%)` : '');

export function formatDiff(r: DiffResult, withPatches = true): string {
  const out: string[] = [];
  const count = (s: KernelChange['status']): number => r.changes.filter((c) => c.status === s).length;
  out.push(`tenth diff ${r.old} ${r.new}: ${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${r.unchanged} unchanged`);
  for (const c of r.changes) {
    out.push(`${c.status.padEnd(8)} ${c.key}  FLOPs ${signed(c.delta.flops)}  bytes ${signed(c.delta.bytes)}  predicted ${signed(c.delta.predictedUs, 2)} us`);
  }
  out.push(`total: FLOPs ${signed(r.total.flops)}${pct(r.total.flops, r.oldTotal.flops)}, bytes ${signed(r.total.bytes)}${pct(r.total.bytes, r.oldTotal.bytes)}, ` +
    `predicted ${signed(r.total.predictedUs, 2)} us${pct(r.total.predictedUs, r.oldTotal.predictedUs)}`);
  if (withPatches) for (const c of r.changes) out.push('', c.patch.trimEnd());
  return out.join('\n') + '\n';
}
