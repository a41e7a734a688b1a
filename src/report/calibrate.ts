// Prediction against measurement: per-kernel comparison, Spearman's rank correlation, and the
// calibration of a device profile from a measured run (`tenth calibrate`).

import { kernelFamily, type CostReport, type KernelPrediction } from './cost.js';
import type { DeviceProfile } from './profile.js';

export interface KernelMeasurement {
  readonly name: string;
  readonly ops: readonly string[];
  readonly predictedUs: number;
  /** Median measured time, microseconds. */
  readonly measuredUs: number;
}

/** Ranks from 1, ties sharing their average rank. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson's r of the ranks); NaN with fewer than 2 points or no spread. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError('spearman: the series differ in length');
  const n = a.length;
  if (n < 2) return NaN;
  const ra = ranks(a), rb = ranks(b);
  const ma = ra.reduce((s, x) => s + x, 0) / n, mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? NaN : num / Math.sqrt(da * db);
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * A calibrated copy of `profile`. The launch overhead becomes the median excess (measured minus
 * roofline time) of the cheapest quarter of the kernels; each kernel family (kernelFamily) gets an
 * efficiency factor = (sum of its roofline times) / (sum of its measured times minus the overhead)
 * over the kernels that are not launch-bound (roofline time at least the overhead and 2% of the
 * measured time), clamped to [0.001, 4], so that, on this model, each such family's predicted total
 * equals its measured total. Families with only launch-bound kernels get no factor.
 */
export function calibrateProfile(profile: DeviceProfile, report: CostReport, measured: readonly number[]): DeviceProfile {
  const ks = report.kernels;
  if (ks.length !== measured.length) throw new RangeError('calibrate: one measurement per kernel is needed');
  const roof = (k: KernelPrediction): number => Math.max(k.computeUs, k.memoryUs) * efficiencyOf(report.device, k);
  // Launch overhead: what the cheapest quarter of kernels (by roofline time) take, at the median.
  const bySize = ks.map((k, i) => [roof(k), measured[i]!] as const).sort((a, b) => a[0] - b[0]);
  const small = bySize.slice(0, Math.max(1, Math.floor(bySize.length / 4))).map(([r, m]) => Math.max(0, m - r));
  const overhead = Math.max(0, median(small));
  // Only kernels whose roofline time is a real part of what was measured say anything about
  // efficiency: a launch-bound kernel (roofline time far below its measured time minus the
  // overhead... or below the overhead itself) would give an absurd factor.
  const sums = new Map<string, { roof: number; meas: number }>();
  ks.forEach((k, i) => {
    const r = roof(k);
    const m = measured[i]! - overhead;
    if (!(r >= overhead) || !(m > 0) || r < 0.02 * m) return;
    const f = kernelFamily(k);
    const s = sums.get(f) ?? { roof: 0, meas: 0 };
    s.roof += r;
    s.meas += m;
    sums.set(f, s);
  });
  const calibration: Record<string, number> = {};
  for (const f of [...sums.keys()].sort()) {
    const s = sums.get(f)!;
    // Clamped: faster than 4x the roof or slower than 1/1000 of it means the profile is wrong, not the kernel.
    if (s.roof > 0) calibration[f] = Number(Math.min(4, Math.max(1e-3, s.roof / s.meas)).toPrecision(4));
  }
  return {
    ...profile,
    name: profile.name.endsWith('-calibrated') ? profile.name : `${profile.name}-calibrated`,
    dispatchOverheadUs: Number(overhead.toPrecision(4)),
    calibration,
    source: `${profile.source ? `${profile.source}; ` : ''}calibrated by tenth calibrate on ${report.model} (${ks.length} kernels)`,
  };
}

/** The efficiency factor the report's profile applied to a kernel (1 without calibration). */
function efficiencyOf(profile: DeviceProfile, k: KernelPrediction): number {
  const cal = profile.calibration;
  return cal ? cal[kernelFamily(k)] ?? cal['default'] ?? 1 : 1;
}
