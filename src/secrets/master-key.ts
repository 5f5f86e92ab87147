import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ConfigError } from '../config.js';

/** A master key that is malformed or does not open the stored secrets: Paved refuses to start. */
export class MasterKeyError extends ConfigError {}

const KEY_BYTES = 32;

/**
 * The key every secret is encrypted under: `PAVED_MASTER_KEY` (32 bytes, as 64 hex characters
 * or base64) when set; otherwise `<dataDir>/master.key`, generated on first start and readable
 * by its owner only. Losing it loses the secrets; back it up with the database. When `inUse`
 * (the database already holds data sealed under a key) a missing file stops the start.
 */
export function loadMasterKey(configured: string | undefined, dataDir: string, options: { inUse?: boolean } = {}): Buffer {
  if (configured) return parseKey(configured, 'PAVED_MASTER_KEY');
  const file = path.join(dataDir, 'master.key');
  if (fs.existsSync(file)) return parseKey(fs.readFileSync(file, 'utf8').trim(), file);
  // A new key would open nothing already sealed, and would then be recorded as the key: the
  // stored secrets would be lost for good. Refuse before writing anything.
  if (options.inUse) {
    throw new MasterKeyError(
      `The master key file ${file} is missing, but the database holds data sealed under a master key. ` +
        'Restore the file from the backup taken with the database (mode 0600), or set PAVED_MASTER_KEY to the same key; Paved does not make a new key while sealed data exists.',
    );
  }
  const key = crypto.randomBytes(KEY_BYTES);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== KEY_BYTES) {
    throw new MasterKeyError(`${source} must be 32 bytes, written as 64 hex characters or base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}
