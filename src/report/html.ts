// report.html: the cost report as one self-contained page (no scripts, no network): a roofline
// plot of the kernels, the memory timeline of the arena, the kernel table and the batching plan,
// all as inline SVG and HTML. Deterministic: the same report gives the same bytes.

import type { BatchingPlan } from './batching.js';
import type { CostReport } from './cost.js';
import { repeatText } from './repeats.js';
import { fmtBytes, fmtCount, fmtUs, money } from './table.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number): string => (Math.round(x * 100) / 100).toString();

const COLORS: Readonly<Record<string, string>> = { compute: '#c0392b', memory: '#2471a3', overhead: '#7f8c8d' };

/** Log-log roofline: x = FLOP/byte, y = GFLOP/s; each kernel at its predicted attainable rate. */
export function rooflineSvg(r: CostReport): string {
  const W = 640, H = 400, L = 60, B = 40, T = 20, R = 20;
  const peak = r.device.peakGflops['f32']!;
  const bw = r.device.memoryGBps;
  const pts = r.kernels.filter((k) => k.flops > 0 && k.bytes > 0)
    .map((k) => ({ k, x: k.intensity, y: k.flops / (k.predictedUs * 1e3) }));
  const xs = [bw > 0 ? peak / bw : 1, ...pts.map((p) => p.x)];
  const ys = [peak, ...pts.map((p) => p.y)];
  const x0 = Math.floor(Math.log10(Math.min(...xs) / 4)), x1 = Math.ceil(Math.log10(Math.max(...xs) * 4));
  const y0 = Math.floor(Math.log10(Math.max(Math.min(...ys) / 4, 1e-6))), y1 = Math.ceil(Math.log10(peak * 2));
  const sx = (v: number): number => L + (Math.log10(v) - x0) / (x1 - x0) * (W - L - R);
  const sy = (v: number): number => H - B - (Math.log10(v) - y0) / (y1 - y0) * (H - B - T);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="roofline">`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - B - T}" fill="#fff" stroke="#999"/>`);
  for (let e = x0; e <= x1; e++) {
    parts.push(`<line x1="${num(sx(10 ** e))}" y1="${T}" x2="${num(sx(10 ** e))}" y2="${H - B}" stroke="#eee"/>`);
    parts.push(`<text x="${num(sx(10 ** e))}" y="${H - B + 16}" font-size="11" text-anchor="middle">1e${e}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    parts.push(`<line x1="${L}" y1="${num(sy(10 ** e))}" x2="${W - R}" y2="${num(sy(10 ** e))}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${num(sy(10 ** e) + 4)}" font-size="11" text-anchor="end">1e${e}</text>`);
  }
  // The roof: bandwidth slope up to the ridge point, then the compute peak.
  const ridge = peak / bw;
  const xa = 10 ** x0, xb = 10 ** x1;
  const ya = Math.max(bw * xa, 10 ** y0);
  parts.push(`<polyline fill="none" stroke="#000" stroke-width="2" points="${num(sx(ya / bw))},${num(sy(ya))} ${num(sx(ridge))},${num(sy(peak))} ${num(sx(xb))},${num(sy(peak))}"/>`);
  parts.push(`<text x="${num(sx(ridge) + 6)}" y="${num(sy(peak) - 6)}" font-size="11">${esc(`${fmtCount(peak * 1e9)} FLOP/s, ${bw} GB/s`)}</text>`);
  for (const p of pts) {
    parts.push(`<circle cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="4" fill="${COLORS[p.k.bound]}" fill-opacity="0.7">` +
      `<title>${esc(`${p.k.name}: ${p.x.toFixed(2)} FLOP/B, ${p.y.toFixed(2)} GFLOP/s, ${fmtUs(p.k.predictedUs)}`)}</title></circle>`);
  }
  // Legend: which roof bounds each kernel.
  (['compute', 'memory', 'overhead'] as const).forEach((b, i) => {
    parts.push(`<circle cx="${L + 12}" cy="${T + 14 + 16 * i}" r="4" fill="${COLORS[b]}" fill-opacity="0.7"/>`);
    parts.push(`<text x="${L + 22}" y="${T + 18 + 16 * i}" font-size="11">${b}-bound</text>`);
  });
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">arithmetic intensity (FLOP/byte)</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">GFLOP/s</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Arena buffers as rectangles: x = kernel steps of their live range, y = their place in the arena. */
export function timelineSvg(r: CostReport): string {
  const W = 640, H = 320, L = 70, B = 36, T = 12, R = 12;
  const bufs = r.memory.timeline;
  const steps = Math.max(1, r.kernels.length, ...bufs.map((b) => b.last + 1));
  const top = Math.max(1, r.memory.peakBytes, ...bufs.map((b) => b.offset + b.bytes));
  const sx = (s: number): number => L + s / steps * (W - L - R);
  const sy = (o: number): number => H - B - o / top * (H - B - T);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="memory timeline">`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - B - T}" fill="#fff" stroke="#999"/>`);
  bufs.forEach((b, i) => {
    const hue = (i * 47) % 360;
    const y = sy(b.offset + b.bytes), h = Math.max(1, sy(b.offset) - y);
    parts.push(`<rect x="${num(sx(b.first))}" y="${num(y)}" width="${num(Math.max(1, sx(b.last + 1) - sx(b.first)))}" height="${num(h)}" ` +
      `fill="hsl(${hue},55%,60%)" stroke="#333" stroke-width="0.5"><title>${esc(`${b.name}: ${fmtBytes(b.bytes)} at ${b.offset}, steps ${b.first}-${b.last}`)}</title></rect>`);
  });
  parts.push(`<line x1="${L}" y1="${num(sy(r.memory.lowerBoundBytes))}" x2="${W - R}" y2="${num(sy(r.memory.lowerBoundBytes))}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${L - 6}" y="${num(sy(top) + 10)}" font-size="11" text-anchor="end">${esc(fmtBytes(top))}</text>`);
  // Step ticks: about ten, at round numbers.
  const every = Math.max(1, Math.ceil(steps / 10));
  for (let st = 0; st <= steps; st += every) {
    parts.push(`<line x1="${num(sx(st))}" y1="${H - B}" x2="${num(sx(st))}" y2="${H - B + 4}" stroke="#333"/>`);
    parts.push(`<text x="${num(sx(st))}" y="${H - B + 15}" font-size="10" text-anchor="middle">${st}</text>`);
  }
  parts.push(`<text x="${L - 6}" y="${H - B}" font-size="11" text-anchor="end">0</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">kernel step (dashed: lower bound)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export function reportHtml(r: CostReport, batching?: BatchingPlan): string {
  const p = r.predicted;
  // The repeats column only where some kernel is in a loop or scan body (other reports stay as they were).
  const repeats = r.kernels.some((k) => k.repeat);
  const rows = r.kernels.map((k, i) => `<tr><td>${i}</td><td>${esc(k.name)}</td><td>${esc(k.ops.join(', '))}</td><td>${fmtCount(k.flops)}</td>` +
    `<td>${fmtBytes(k.bytes)}</td><td>${k.intensity.toFixed(2)}</td><td>${k.bound}</td><td>${fmtUs(k.predictedUs)}</td>` +
    `${repeats ? `<td>${k.repeat ? esc(repeatText(k.repeat)) : ''}</td>` : ''}</tr>`).join('\n');
  const repeatNote = repeats ? `<p>${r.kernels.filter((k) => k.repeat).length} kernels run in loop or scan bodies (column "repeats"): their FLOPs, bytes and time ` +
    `are over every iteration where the count is known at compile time (a number, or symbols bound as above); "per iteration" where the run decides it.</p>\n` : '';
  const batch = batching ? `<h2>Batching plan</h2>
<p>${batching.ratePerSec} requests/s, p99 target ${batching.p99TargetMs} ms. Model: ${esc(batching.model)}.</p>
<table><tr><th>batch</th><th>batch ms</th><th>replicas</th><th>p50 ms</th><th>p99 ms</th><th>capacity/s</th><th>cost per million</th><th>meets target</th></tr>
${batching.candidates.map((c, i) => `<tr${i === batching.choice ? ' class="pick"' : ''}><td>${c.batch}</td><td>${c.serviceMs.toFixed(3)}</td><td>${c.replicas}</td>` +
    `<td>${Number.isFinite(c.p50Ms) ? c.p50Ms.toFixed(2) : 'inf'}</td><td>${Number.isFinite(c.p99Ms) ? c.p99Ms.toFixed(2) : 'inf'}</td><td>${c.capacityPerSec.toFixed(0)}</td>` +
    `<td>${c.costPerMillion !== undefined ? esc(money(c.costPerMillion, r.device.currency)) : `${c.deviceHoursPerMillion.toFixed(4)} device-h`}</td><td>${c.meetsTarget ? 'yes' : 'no'}</td></tr>`).join('\n')}
</table>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`tenth cost report: ${r.model}`)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(2),td:nth-child(3){text-align:left}tr.pick{background:#e8f6e8;font-weight:bold}</style>
</head><body>
<h1>${esc(r.model)}: ${esc(r.target)} on ${esc(r.device.name)}</h1>
<p>Pipeline ${esc(r.pipeline)}; ${Object.keys(r.bind).length > 0 ? `symbols bound to ${esc(Object.entries(r.bind).map(([k, v]) => `${k}=${v}`).join(', '))}` : 'no symbolic dims'}.
Predicted latency <b>${p.latencyMs.toFixed(3)} ms</b> = compute-bound kernels ${p.computeMs.toFixed(3)} + memory-bound ${p.memoryMs.toFixed(3)} + launch overhead ${p.overheadMs.toFixed(3)};
${p.throughputPerSec.toFixed(1)} queries/s one at a time${p.costPerMillion !== undefined ? `, ${esc(money(p.costPerMillion, r.device.currency))} per million queries` : ''}.
${r.totals.kernels} kernels, ${fmtCount(r.totals.flops)} FLOPs, ${fmtBytes(r.totals.bytes)} moved.</p>
<h2>Roofline</h2>
${rooflineSvg(r)}
<h2>Memory timeline</h2>
<p>Arena peak ${fmtBytes(r.memory.peakBytes)}, lower bound ${fmtBytes(r.memory.lowerBoundBytes)}, naive ${fmtBytes(r.memory.naiveBytes)}, weights ${fmtBytes(r.memory.weightsBytes)}.</p>
${timelineSvg(r)}
<h2>Kernels</h2>
${repeatNote}<table><tr><th>#</th><th>kernel</th><th>ops</th><th>FLOPs</th><th>bytes</th><th>FLOP/B</th><th>bound</th><th>predicted</th>${repeats ? '<th>repeats</th>' : ''}</tr>
${rows}
</table>
${batch}
</body></html>
`;
}
