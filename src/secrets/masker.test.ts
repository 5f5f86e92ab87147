import { describe, expect, it } from 'vitest';
import { createMasker } from './masker.js';

const SECRET = 'pa55/w0rd+with&odd chars?';

describe('createMasker', () => {
  const mask = createMasker([SECRET, 'ab']);
  const bytes = Buffer.from(SECRET);

  it.each([
    ['the value', SECRET],
    ['its reverse', [...SECRET].reverse().join('')],
    ['hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
    ['URL encoding', encodeURIComponent(SECRET)],
    ['form encoding', new URLSearchParams({ s: SECRET }).toString().slice(2)],
    ['JSON escaping', JSON.stringify(SECRET).slice(1, -1)],
  ])('masks %s', (_, printed) => {
    expect(mask(`before ${printed} after`)).toBe('before *** after');
  });

  it('masks base64 of the value inside a longer text, at each of the three alignments', () => {
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const encoded = Buffer.from(`${prefix}${SECRET}!tail`).toString('base64');
      expect(mask(encoded)).toContain('***');
      expect(mask(Buffer.from(`${prefix}${SECRET}!tail`).toString('base64url'))).toContain('***');
    }
  });

  it('masks hex of the value inside a longer hex dump', () => {
    expect(mask(Buffer.from(`key=${SECRET};`).toString('hex'))).toBe(`${Buffer.from('key=').toString('hex')}***${Buffer.from(';').toString('hex')}`);
  });

  it('leaves secrets under four characters alone, and other text as it is', () => {
    expect(mask('abc ab nothing secret here')).toBe('abc ab nothing secret here');
  });

  it('masks a secret printed in two pieces on consecutive lines, and only those pieces', () => {
    const out: string[] = [];
    const stream = mask.lines((line) => out.push(line));
    stream.push('first line');
    stream.push(`piece: ${SECRET.slice(0, 9)}`);
    stream.push(`${SECRET.slice(9)} :rest`);
    stream.push(`${SECRET.slice(0, 20)}`);
    stream.push(`  ${SECRET.slice(20)}`);
    stream.push('last');
    stream.end();
    expect(out).toEqual(['first line', 'piece: ***', '*** :rest', '***', '  ***', 'last']);
  });

  it('emits a held line once the next is slow to come', async () => {
    const out: string[] = [];
    const stream = mask.lines((line) => out.push(line), { holdMs: 10 });
    stream.push('alone');
    expect(out).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(out).toEqual(['alone']);
    stream.end();
    expect(out).toEqual(['alone']);
  });
});
