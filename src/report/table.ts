// The cost report as a readable table (what `tenth compile` prints), deterministic text.

import type { BatchingPlan } from './batching.js';
import type { CostReport } from './cost.js';
import { repeatShort } from './repeats.js';

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtCount(n: number): string {
  if (n < 1e3) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}K`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  if (n < 1e12) return `${(n / 1e9).toFixed(2)}G`;
  return `${(n / 1e12).toFixed(2)}T`;
}

/** An amount in the profile's currency (`3.8 USD`), or bare when the profile names none. */
export const money = (x: number, currency?: string): string => `${x < 1 ? x.toPrecision(3) : x.toFixed(2)}${currency ? ` ${currency}` : ''}`;

export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return 'inf';
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 1)} us`;
  return `${(us / 1000).toFixed(us < 1e4 ? 3 : 2)} ms`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (right.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)];
}

/** The kernels sorted by predicted time are shown up to `limit` (the rest summed in one line). */
export function formatReport(r: CostReport, limit = 25): string {
  const out: string[] = [];
  const bind = Object.entries(r.bind).map(([k, v]) => `${k}=${v}`).join(', ');
  out.push(`cost report: ${r.model} (${r.target}, pipeline ${r.pipeline}) on ${r.device.name}${bind ? `, with ${bind}` : ', no symbolic dims'}`);
  const total = r.predicted.latencyMs * 1e3;
  const order = r.kernels.map((k, i) => i).sort((a, b) => r.kernels[b]!.predictedUs - r.kernels[a]!.predictedUs || a - b);
  const shown = order.slice(0, limit);
  const rows = shown.map((i) => {
    const k = r.kernels[i]!;
    // A kernel of a loop or scan body says how often it runs (its figures are over all of them).
    return [k.repeat ? `${k.name} ${repeatShort(k.repeat)}` : k.name, fmtCount(k.flops), fmtBytes(k.bytes), k.intensity.toFixed(2), k.bound, fmtUs(k.predictedUs),
      `${(100 * k.predictedUs / (total || 1)).toFixed(1)}%`];
  });
  if (order.length > limit) {
    const rest = order.slice(limit).map((i) => r.kernels[i]!);
    const us = rest.reduce((a, k) => a + k.predictedUs, 0);
    rows.push([`(${rest.length} more)`, fmtCount(rest.reduce((a, k) => a + k.flops, 0)), fmtBytes(rest.reduce((a, k) => a + k.bytes, 0)),
      '', '', fmtUs(us), `${(100 * us / (total || 1)).toFixed(1)}%`]);
  }
  out.push(...table(['kernel', 'FLOPs', 'bytes', 'FLOP/B', 'bound', 'predicted', 'share'], rows, new Set([1, 2, 3, 5, 6])));
  out.push('');
  out.push(`totals: ${r.totals.kernels} kernels, ${fmtCount(r.totals.flops)} FLOPs, ${fmtBytes(r.totals.bytes)} moved, ` +
    `intensity ${r.totals.intensity.toFixed(2)} FLOP/B`);
  out.push(`memory: arena peak ${fmtBytes(r.memory.peakBytes)} (lower bound ${fmtBytes(r.memory.lowerBoundBytes)}, ` +
    `naive ${fmtBytes(r.memory.naiveBytes)}), weights ${fmtBytes(r.memory.weightsBytes)}`);
  const p = r.predicted;
  const t = (ms: number): string => fmtUs(ms * 1e3);
  out.push(`predicted latency: ${t(p.latencyMs)} = compute-bound kernels ${t(p.computeMs)} + memory-bound ${t(p.memoryMs)} ` +
    `+ launch overhead ${t(p.overheadMs)}; ${p.throughputPerSec.toFixed(1)} queries/s one at a time` +
    (p.costPerMillion !== undefined ? `, ${money(p.costPerMillion, r.device.currency)} per million queries at ${money(r.device.pricePerHour!, r.device.currency)}/hour` : ''));
  return out.join('\n');
}

export function formatBatching(plan: BatchingPlan, symbol: string | null): string {
  const out: string[] = [];
  out.push(`batching plan: ${plan.ratePerSec} requests/s, p99 target ${plan.p99TargetMs} ms` +
    (symbol ? ` (batch dim '${symbol}')` : ' (no batch dim: a batch of b runs b times)'));
  const rows = plan.candidates.map((c, i) => [
    `${i === plan.choice ? '*' : ' '} ${c.batch}`, c.serviceMs.toFixed(3), String(c.replicas), `${(100 * c.utilisation).toFixed(0)}%`,
    Number.isFinite(c.p50Ms) ? c.p50Ms.toFixed(2) : 'inf', Number.isFinite(c.p99Ms) ? c.p99Ms.toFixed(2) : 'inf',
    c.capacityPerSec.toFixed(0), c.costPerMillion !== undefined ? c.costPerMillion.toFixed(4) : c.deviceHoursPerMillion.toFixed(4),
    c.meetsTarget ? 'yes' : 'no',
  ]);
  const priced = plan.candidates.some((c) => c.costPerMillion !== undefined);
  out.push(...table(['batch', 'batch ms', 'replicas', 'util', 'p50 ms', 'p99 ms', 'capacity/s', priced ? 'cost/M' : 'dev-h/M', 'meets'], rows,
    new Set([1, 2, 3, 4, 5, 6, 7])));
  out.push(plan.choice === null ? 'no batch size meets the target' : `* cheapest batch size meeting the target: ${plan.candidates[plan.choice]!.batch}`);
  out.push(`model: ${plan.model}`);
  return out.join('\n');
}
