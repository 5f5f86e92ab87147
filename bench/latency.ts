import type { HttpClient, TimedResponse } from './http-client.js';

export interface LatencySummary {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** Requests whose status or body was wrong; they count in the timings too. */
  failures: number;
  /** The five slowest requests, to tell a slow input from a noisy machine. */
  slowest: { path: string; ms: number }[];
  /** The first few failures, verbatim enough to report. */
  failureSamples: { path: string; status: number; ms: number; problem: string; body: string }[];
}

export interface LatencyPhase {
  name: string;
  /** The i-th request path; vary the input so caches of one answer do not flatter the figure. */
  path(i: number): string;
  /** Returns a problem description when the answer is wrong, undefined when it is right. */
  check(response: TimedResponse, path: string): string | undefined;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * Runs `warmup` unmeasured requests, then `count` measured ones, strictly one after another on
 * one kept-alive connection. Measures latency, not throughput.
 */
export async function measureLatency(client: HttpClient, phase: LatencyPhase, count: number, warmup: number): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i++) await client.get(phase.path(count + i));
  const timings: number[] = [];
  const paths: string[] = [];
  const failureSamples: LatencySummary['failureSamples'] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const path = phase.path(i);
    const response = await client.get(path);
    timings.push(response.ms);
    paths.push(path);
    const problem = response.status === 200 ? phase.check(response, path) : `HTTP ${response.status}`;
    if (problem !== undefined) {
      failures++;
      if (failureSamples.length < 5) failureSamples.push({ path, status: response.status, ms: round(response.ms), problem, body: response.body.slice(0, 500) });
    }
  }
  const sorted = [...timings].sort((a, b) => a - b);
  return {
    requests: count,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(timings.reduce((sum, ms) => sum + ms, 0) / timings.length),
    failures,
    slowest: timings
      .map((ms, i) => ({ path: paths[i]!, ms: round(ms) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5),
    failureSamples,
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
