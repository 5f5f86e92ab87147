/**
 * Hides secret values in log lines: the value itself, each of its lines (a multi-line secret
 * printed line by line), and its base64 forms, including the base64 of the value inside a
 * longer text (the three alignments a base64 encoder can put it at, as GitHub Actions does).
 */
export function createMasker(secrets: readonly string[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    forms.add(secret);
    for (const part of secret.split(/\r?\n/)) if (part.trim().length >= 3) forms.add(part);
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.from('\0'.repeat(offset) + secret).toString('base64');
      // Drop the characters that depend on the bytes around the secret.
      const start = offset === 0 ? 0 : Math.ceil((offset * 4) / 3);
      const end = encoded.replace(/=+$/, '').length - (((offset + Buffer.byteLength(secret)) % 3) === 0 ? 0 : 1);
      const core = encoded.slice(start, end);
      if (core.length >= 4) forms.add(core);
    }
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (line) => line;
  const pattern = new RegExp(ordered.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (line) => line.replace(pattern, '***');
}
