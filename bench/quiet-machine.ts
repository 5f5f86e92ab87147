import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './latency.js';

/**
 * Waits (up to `limitSeconds`) for the 1-minute load average — what `uptime` prints first — to
 * fall under 1, so a measurement does not start while other work shares the two cores. Measures
 * anyway after the limit, and reports the load it started at.
 */
export async function waitForQuiet(label: string, limitSeconds: number): Promise<{ loadAtStart: number; waitedS: number; quiet: boolean }> {
  const started = Date.now();
  let announced = false;
  while (os.loadavg()[0]! >= 1 && Date.now() - started < limitSeconds * 1000) {
    if (!announced) console.log(`  ${label}: waiting for the 1-minute load average to fall under 1 (now ${os.loadavg()[0]!.toFixed(2)})`);
    announced = true;
    await sleep(5_000);
  }
  const load = os.loadavg()[0]!;
  if (load >= 1) console.log(`  ${label}: load still ${load.toFixed(2)} after ${limitSeconds} s; measuring anyway`);
  return { loadAtStart: round(load), waitedS: Math.round((Date.now() - started) / 1000), quiet: load < 1 };
}
