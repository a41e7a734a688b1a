// The batching planner: given a request arrival rate and a p99 latency target, which batch size
// (and how many replicas of the device) serves the load most cheaply while meeting the target?
//
// The service time of one batch comes from the cost model (the predicted latency with the batch
// dim bound to b). The queueing model is deliberately simple and stated here so the numbers can
// be checked by hand:
// - Requests arrive as a Poisson stream of rate λ, spread evenly over n replicas (λr = λ / n).
// - A replica runs a batch when b requests are waiting. A request waits for the rest of its batch
//   to arrive: b - j more arrivals for position j, an Erlang wait; over the positions, a mixture
//   whose quantiles are computed exactly (fillQuantile).
// - Batches then queue for the device: arrivals are Erlang-b (squared coefficient of variation
//   1 / b), service is deterministic, so Kingman's approximation gives the mean wait
//   Wq = ρ / (1 - ρ) · 1 / (2b) · S with utilisation ρ = λr · S / b. A batch waits at all with
//   probability about ρ, and then exponentially with mean Wq / ρ: the wait's quantile q is
//   (Wq / ρ) · ln(ρ / (1 - q)) when ρ > 1 - q, else 0.
// - p50 and p99 add the service time, the fill quantile and the queue quantile (adding quantiles
//   errs on the safe side). test/report/batching.test.ts checks them against a discrete-event
//   simulation.
// Each candidate batch size gets the fewest replicas that meet the target (up to maxReplicas);
// the cheapest candidate is the one with the fewest device-hours per query (with a price, the
// lowest cost per million queries), ties to the smaller batch.

export interface BatchingInput {
  /** Requests per second. */
  readonly ratePerSec: number;
  /** p99 latency target, milliseconds. */
  readonly p99TargetMs: number;
  /** Predicted time of one batch of b requests, milliseconds. */
  readonly serviceMsAt: (batch: number) => number;
  readonly batchSizes?: readonly number[];
  readonly pricePerHour?: number;
  readonly maxReplicas?: number;
}

export interface BatchCandidate {
  readonly batch: number;
  readonly serviceMs: number;
  readonly replicas: number;
  readonly utilisation: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Queries per second all replicas can serve. */
  readonly capacityPerSec: number;
  /** Device-hours paid per million queries at the given rate. */
  readonly deviceHoursPerMillion: number;
  readonly costPerMillion?: number;
  readonly meetsTarget: boolean;
}

export interface BatchingPlan {
  readonly ratePerSec: number;
  readonly p99TargetMs: number;
  readonly model: string;
  readonly candidates: readonly BatchCandidate[];
  /** The cheapest candidate meeting the target, or null when none does. */
  readonly choice: number | null;
}

export const DEFAULT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];

export const BATCHING_MODEL = 'Poisson arrivals, full batches, Kingman G/D/1 queueing, exponential tail';

/** P(Erlang(k, rate) <= t): the time until k more Poisson arrivals (k = 0: no wait). */
function erlangCdf(k: number, rate: number, t: number): number {
  if (k === 0) return 1;
  const x = rate * t;
  let term = Math.exp(-x), sum = term;
  for (let i = 1; i < k; i++) { term *= x / i; sum += term; }
  return Math.max(0, 1 - sum);
}

/**
 * Quantile q of the wait for a batch to fill: the request in position j of its batch waits for
 * b - j more arrivals, and positions are equally likely, so the wait is a mixture of Erlangs.
 */
export function fillQuantile(ratePerSec: number, batch: number, q: number): number {
  const cdf = (t: number): number => {
    let s = 0;
    for (let k = 0; k < batch; k++) s += erlangCdf(k, ratePerSec, t);
    return s / batch;
  };
  if (cdf(0) >= q) return 0;
  let lo = 0, hi = (batch + 10) / ratePerSec;
  while (cdf(hi) < q) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid; else hi = mid;
  }
  return hi;
}

/** Latency percentiles of one replica serving rate λr with batch b and service time S (seconds). */
export function latencies(ratePerSec: number, batch: number, serviceSec: number): { p50: number; p99: number; rho: number } {
  const rho = ratePerSec * serviceSec / batch;
  if (rho >= 1) return { p50: Infinity, p99: Infinity, rho };
  const wq = rho / (1 - rho) / (2 * batch) * serviceSec;
  // A batch waits with probability about ρ, then exponentially with mean wq / ρ.
  const queueQuantile = (q: number): number => (rho > 1 - q ? wq / rho * Math.log(rho / (1 - q)) : 0);
  return {
    p50: serviceSec + fillQuantile(ratePerSec, batch, 0.5) + queueQuantile(0.5),
    p99: serviceSec + fillQuantile(ratePerSec, batch, 0.99) + queueQuantile(0.99),
    rho,
  };
}

export function planBatching(input: BatchingInput): BatchingPlan {
  const { ratePerSec: rate, p99TargetMs: target } = input;
  if (!(rate > 0) || !(target > 0)) throw new RangeError('batching planner: the rate and the p99 target must be positive');
  const maxReplicas = input.maxReplicas ?? 1024;
  const candidates = (input.batchSizes ?? DEFAULT_BATCH_SIZES).map((batch): BatchCandidate => {
    const serviceMs = input.serviceMsAt(batch);
    const s = serviceMs / 1e3;
    // Fewest replicas that are stable and meet the target; else the fewest stable ones.
    const stable = Math.max(1, Math.floor(rate * s / batch) + 1);
    let replicas = stable;
    let lat = latencies(rate / replicas, batch, s);
    while (lat.p99 * 1e3 > target && replicas < maxReplicas) {
      const next = latencies(rate / (replicas + 1), batch, s);
      // More replicas only help the queueing part; once the batch fill time dominates and grows,
      // adding replicas makes things worse: stop there.
      if (next.p99 >= lat.p99) break;
      replicas += 1;
      lat = next;
    }
    const meetsTarget = lat.p99 * 1e3 <= target;
    const deviceHoursPerMillion = replicas / (rate * 3600) * 1e6;
    return {
      batch, serviceMs, replicas, utilisation: lat.rho,
      p50Ms: lat.p50 * 1e3, p99Ms: lat.p99 * 1e3,
      capacityPerSec: replicas * batch / s,
      deviceHoursPerMillion,
      ...(input.pricePerHour !== undefined ? { costPerMillion: deviceHoursPerMillion * input.pricePerHour } : {}),
      meetsTarget,
    };
  });
  let choice: number | null = null;
  candidates.forEach((c, i) => {
    if (!c.meetsTarget) return;
    if (choice === null || c.deviceHoursPerMillion < candidates[choice]!.deviceHoursPerMillion - 1e-12) choice = i;
  });
  return { ratePerSec: rate, p99TargetMs: target, model: BATCHING_MODEL, candidates, choice };
}
