import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.js';

/** Deeper JSON than this is refused: no descriptor needs it, and recursive validators would overflow the stack. */
const MAX_JSON_DEPTH = 100;

/**
 * The request bodies Paved accepts: JSON, YAML (kept as text, parsed by the module that reads
 * it, with its own limits and line numbers), and whatever a route registers itself (git's packs).
 * `text/plain` and form encodings are not among them (415): they are the bodies a cross-site form
 * can send without the browser asking first.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    // Backstage's client sends `content-type: application/json` with an empty body on DELETE;
    // that is no body, not malformed JSON.
    if (text === '') return done(null, undefined);
    const depth = jsonDepth(text);
    if (depth > MAX_JSON_DEPTH) {
      return done(new InvalidInputError('request.body_too_deep', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, { path: 'body' }), undefined);
    }
    parseJson(request, text, done);
  });
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

/** The deepest nesting of arrays and objects in JSON text, counted before parsing (strings skipped). */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x5d || char === 0x7d) depth--;
  }
  return deepest;
}
