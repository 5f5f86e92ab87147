/**
 * Masking throughput: how many MB/s of log lines `createMasker` gets through with 20 secrets
 * (each in all its encoded forms), line by line and through the split-aware line stream.
 *
 *   npx tsx bench/masking.ts [megabytes=50]
 */
import crypto from 'node:crypto';
import { createMasker } from '../src/secrets/masker.js';

const megabytes = Number(process.argv[2] ?? 50);
const secrets = Array.from({ length: 20 }, () => crypto.randomBytes(24).toString('base64url'));
const mask = createMasker(secrets);

// A build log: 100-character lines, one in a hundred printing a secret.
const lines: string[] = [];
let bytes = 0;
for (let index = 0; bytes < megabytes * 1024 * 1024; index++) {
  const filler = `[${index}] compiling src/module-${index % 977}.ts … ok ${crypto.randomBytes(18).toString('hex')}`.slice(0, 100);
  const line = index % 100 === 0 ? `${filler.slice(0, 60)} token=${secrets[index % secrets.length]}` : filler;
  lines.push(line);
  bytes += Buffer.byteLength(line) + 1;
}

function measure(name: string, body: () => number) {
  const started = process.hrtime.bigint();
  const masked = body();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${name}: ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s (${lines.length} lines, ${(bytes / 1024 / 1024).toFixed(0)} MB in ${seconds.toFixed(2)} s; ${masked} lines masked)`);
}

measure('line by line', () => lines.reduce((count, line) => count + (mask(line).includes('***') ? 1 : 0), 0));
measure('line stream (splits too)', () => {
  let count = 0;
  const stream = mask.lines((line) => (count += line.includes('***') ? 1 : 0));
  for (const line of lines) stream.push(line);
  stream.end();
  return count;
});
