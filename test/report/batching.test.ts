import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillQuantile, latencies, planBatching } from '../../src/report/batching.js';

// Discrete-event simulation of one replica: Poisson arrivals (seeded LCG), full batches of b,
// deterministic service S, first come first served. The independent reference for the model.
function simulate(rate: number, b: number, S: number, n = 120_000, seed = 7): { p50: number; p99: number } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return (s + 0.5) / 2147483648; };
  let t = 0;
  const arrivals: number[] = [];
  for (let i = 0; i < n; i++) { t += -Math.log(rnd()) / rate; arrivals.push(t); }
  const lat: number[] = [];
  let free = 0;
  for (let i = 0; i + b <= n; i += b) {
    const end = Math.max(arrivals[i + b - 1]!, free) + S;
    free = end;
    for (let j = i; j < i + b; j++) lat.push(end - arrivals[j]!);
  }
  lat.sort((x, y) => x - y);
  return { p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

describe('batching latency model', () => {
  it.each([
    [100, 1, 0.005], [150, 1, 0.005], [500, 4, 0.006], [1000, 8, 0.006], [2000, 16, 0.007], [100, 8, 0.01], [800, 4, 0.0045],
  ])('rate %d, batch %d, service %d s: p50 within 15%% of a simulation, p99 on the safe side (at most 1.8x)', (rate, b, S) => {
    const m = latencies(rate, b, S);
    const sim = simulate(rate, b, S);
    expect(Math.abs(m.p50 - sim.p50) / sim.p50).toBeLessThan(0.15);
    expect(m.p99).toBeGreaterThanOrEqual(sim.p99 * 0.97);
    expect(m.p99).toBeLessThan(sim.p99 * 1.8);
  });

  it('is unstable (infinite latency) at or beyond full utilisation', () => {
    expect(latencies(200, 1, 0.005).p99).toBe(Infinity);
    expect(latencies(100, 1, 0.005).rho).toBeCloseTo(0.5, 12);
  });

  it('fill quantiles: batch 1 never waits; batch 2 waits Exp(rate) half the time', () => {
    expect(fillQuantile(100, 1, 0.99)).toBe(0);
    // Half the requests (the second of each pair) do not wait; the first waits Exp(λ):
    // P(wait <= t) = 1/2 + 1/2 (1 - e^{-λt}) = 0.99 at t = ln(50)/λ.
    expect(fillQuantile(100, 2, 0.99)).toBeCloseTo(Math.log(50) / 100, 6);
  });
});

describe('planBatching', () => {
  // A model whose batch costs a fixed overhead plus a per-item time: batching amortises the overhead.
  const service = (fixed: number, per: number) => (b: number): number => fixed + per * b;

  it('marks the cheapest candidate that meets the target', () => {
    fc.assert(fc.property(
      fc.double({ min: 10, max: 5000, noNaN: true }), fc.double({ min: 5, max: 200, noNaN: true }),
      fc.double({ min: 0.05, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }),
      (rate, target, fixed, per) => {
        const plan = planBatching({ ratePerSec: rate, p99TargetMs: target, serviceMsAt: service(fixed, per), pricePerHour: 2 });
        for (const c of plan.candidates) {
          expect(c.meetsTarget).toBe(c.p99Ms <= target);
          expect(c.costPerMillion).toBeCloseTo(c.deviceHoursPerMillion * 2, 9);
          if (c.meetsTarget) expect(c.utilisation).toBeLessThan(1);
        }
        const meeting = plan.candidates.filter((c) => c.meetsTarget);
        if (meeting.length === 0) expect(plan.choice).toBeNull();
        else {
          const best = Math.min(...meeting.map((c) => c.deviceHoursPerMillion));
          expect(plan.candidates[plan.choice!]!.deviceHoursPerMillion).toBeCloseTo(best, 12);
        }
      }), { numRuns: 60 });
  });

  it('picks a larger batch under heavy load with a fixed per-batch cost, batch 1 under light load', () => {
    const heavy = planBatching({ ratePerSec: 4000, p99TargetMs: 50, serviceMsAt: service(2, 0.05) });
    expect(heavy.candidates[heavy.choice!]!.batch).toBeGreaterThan(1);
    // One replica at batch 1 would be overloaded (4000/s x 2.05 ms = 8.2): more replicas are needed there.
    expect(heavy.candidates[0]!.replicas).toBeGreaterThanOrEqual(9);
    const light = planBatching({ ratePerSec: 5, p99TargetMs: 50, serviceMsAt: service(2, 0.05) });
    expect(light.candidates[light.choice!]!.batch).toBe(1);
    expect(light.candidates[light.choice!]!.replicas).toBe(1);
  });

  it('says when no batch size meets the target', () => {
    const plan = planBatching({ ratePerSec: 10, p99TargetMs: 1, serviceMsAt: service(5, 1) });
    expect(plan.choice).toBeNull();
    expect(plan.candidates.every((c) => !c.meetsTarget)).toBe(true);
  });
});
