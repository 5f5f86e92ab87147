import { PavedError } from '../errors.js';

/** User code was to run, but the sandbox cannot run here; the message names the fix. */
export class SandboxUnavailableError extends PavedError {
  readonly status = 503;
  readonly name = 'ServiceUnavailableError';

  constructor(reason: string) {
    super('sandbox.unavailable', `the sandbox is not available: ${reason}`, { hint: 'Install bubblewrap (apt-get install bubblewrap) and restart Paved; see docs/security.md' });
  }
}
