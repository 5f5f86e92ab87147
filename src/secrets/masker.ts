/** Secrets shorter than this are not masked: masking "ab" everywhere would hide half the log and protect nothing. */
const MIN_MASKED_LENGTH = 4;
/** How long a line is held for the next one, to catch a secret printed in two pieces. */
const DEFAULT_HOLD_MS = 100;
const MASK = '***';

/** Masks one line (or any text) at a time; `lines` also catches a secret split over two lines. */
export interface Masker {
  (text: string): string;
  /**
   * A stream of lines for a log: each line is masked, and held until the next arrives (or
   * `holdMs` passes) so that a secret printed in two pieces (`echo ${S:0:5}; echo ${S:5}`) is
   * masked on both lines. `end()` emits what is held.
   */
  lines(emit: (line: string) => void, options?: { holdMs?: number }): MaskedLineStream;
}

export interface MaskedLineStream {
  push(line: string): void;
  end(): void;
}

/**
 * Hides secret values in log lines. For each secret: the value, each of its lines (a multi-line
 * secret printed line by line), its reverse, hex (either case), base64 and base64url (the three
 * alignments an encoder can put it at inside a longer text, as GitHub Actions does), URL and form
 * encoding, and its JSON-escaped form; and, in `lines`, the value split over two consecutive lines.
 */
export function createMasker(secrets: readonly string[]): Masker {
  const values = [...new Set(secrets.filter((secret) => secret.length >= MIN_MASKED_LENGTH))];
  const forms = new Set<string>();
  for (const secret of values) for (const form of encodedForms(secret)) if (form.length >= MIN_MASKED_LENGTH) forms.add(form);
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const pattern = ordered.length > 0 ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
  const mask = (text: string): string => (pattern ? text.replace(pattern, MASK) : text);
  const splits = splitIndex(values);

  const lines = (emit: (line: string) => void, options: { holdMs?: number } = {}): MaskedLineStream => {
    const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    let held: string | undefined;
    let heldSince = 0;
    // One timer for the stream rather than one per line: a busy build prints thousands of lines a second.
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (held !== undefined) emit(held);
      held = undefined;
    };
    const check = () => {
      timer = undefined;
      if (held === undefined) return;
      const waited = Date.now() - heldSince;
      if (waited >= holdMs) release();
      else arm(holdMs - waited);
    };
    const arm = (ms: number) => {
      timer = setTimeout(check, ms);
      timer.unref();
    };
    return {
      push(line) {
        const masked = mask(line);
        if (held === undefined || splits.size === 0) {
          if (held !== undefined) emit(held);
          held = masked;
        } else {
          const [previous, next] = maskSplit(held, masked, splits);
          emit(previous);
          held = next;
        }
        heldSince = Date.now();
        if (!timer) arm(holdMs);
      },
      end: release,
    };
  };
  return Object.assign(mask, { lines });
}

function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms = [secret, [...secret].reverse().join(''), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (const part of secret.split(/\r?\n/)) if (part.trim().length > 0) forms.push(part);
  forms.push(encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1));
  // Printed on its own, the whole encoding (padding included) goes; inside a longer text, the cores below.
  forms.push(bytes.toString('base64'), bytes.toString('base64url'));
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Drop the characters that depend on the bytes around the secret.
    const start = offset === 0 ? 0 : Math.ceil((offset * 4) / 3);
    const end = encoded.replace(/=+$/, '').length - ((offset + bytes.length) % 3 === 0 ? 0 : 1);
    const core = encoded.slice(start, end);
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}

interface SplitPoint {
  secret: string;
  /** The first `at` characters end one line, the rest start the next. */
  at: number;
}

/** Every way to cut each secret in two, indexed by the two characters either side of the cut, so a line pair costs one lookup. */
function splitIndex(values: readonly string[]): Map<string, SplitPoint[]> {
  const index = new Map<string, SplitPoint[]>();
  for (const secret of values) {
    for (let at = 1; at < secret.length; at++) {
      const key = secret[at - 1]! + secret[at]!;
      let points = index.get(key);
      if (!points) index.set(key, (points = []));
      points.push({ secret, at });
    }
  }
  return index;
}

/** Masks a secret whose first part ends `previous` and whose rest starts `next` (whitespace aside). */
function maskSplit(previous: string, next: string, splits: Map<string, SplitPoint[]>): [string, string] {
  const head = previous.trimEnd();
  const tail = next.trimStart();
  if (head.length === 0 || tail.length === 0) return [previous, next];
  for (const { secret, at } of splits.get(head.at(-1)! + tail[0]!) ?? []) {
    if (!head.endsWith(secret.slice(0, at)) || !tail.startsWith(secret.slice(at))) continue;
    const leading = next.length - tail.length;
    return [previous.slice(0, head.length - at) + MASK + previous.slice(head.length), next.slice(0, leading) + MASK + tail.slice(secret.length - at)];
  }
  return [previous, next];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
