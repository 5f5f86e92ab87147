import { describe, expect, it } from 'vitest';
import { formatBytes, parseCpuQuantity, parseMemoryQuantity } from './quantities.js';

describe('sandbox quantities', () => {
  it('reads memory as pipeline files and Score write it', () => {
    expect(parseMemoryQuantity('512Mi')).toBe(512 * 2 ** 20);
    expect(parseMemoryQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseMemoryQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseMemoryQuantity('1G')).toBe(1e9);
    expect(parseMemoryQuantity(1048576)).toBe(1048576);
    for (const bad of ['lots', '-1Mi', '0', '1 Gi', '1GiB', '']) expect(parseMemoryQuantity(bad), bad).toBeUndefined();
  });

  it('reads CPU in cores or millicores', () => {
    expect(parseCpuQuantity('500m')).toBe(0.5);
    expect(parseCpuQuantity(2)).toBe(2);
    expect(parseCpuQuantity('0.25')).toBe(0.25);
    for (const bad of ['many', '0', '0m', '-1', '1.5m5']) expect(parseCpuQuantity(bad), bad).toBeUndefined();
  });

  it('names a limit for a log line', () => {
    expect(formatBytes(64 * 2 ** 20)).toBe('64 MiB');
    expect(formatBytes(2 * 2 ** 30)).toBe('2 GiB');
    expect(formatBytes(1536 * 2 ** 20)).toBe('1.5 GiB');
    expect(formatBytes(100)).toBe('100 B');
  });
});
