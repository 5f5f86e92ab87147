/**
 * Kubernetes-style quantities, as pipeline files and Score's `resources.limits` write them:
 * memory `512Mi`, `2Gi`, `1G`, `1048576`; CPU `1`, `0.5`, `500m`.
 */

const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const CPU = /^(\d+(?:\.\d+)?)(m)?$/;

/** Bytes of a memory quantity, or undefined when it is not one. */
export function parseMemoryQuantity(quantity: string | number): number | undefined {
  const match = MEMORY.exec(String(quantity).trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * MEMORY_UNITS[match[2] ?? '']!);
  return bytes > 0 ? bytes : undefined;
}

/** Cores of a CPU quantity (`500m` → 0.5), or undefined when it is not one. */
export function parseCpuQuantity(quantity: string | number): number | undefined {
  const match = CPU.exec(String(quantity).trim());
  if (!match) return undefined;
  const cores = Number(match[1]) / (match[2] ? 1000 : 1);
  return cores > 0 ? cores : undefined;
}

/** `536870912` → `512 MiB`, for log lines that name a limit. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}
