import type { MessagePort } from 'node:worker_threads';

/**
 * What the server thread and the rendering workers say to each other. Everything crosses by
 * structured clone, so contexts and results are plain JSON-like data.
 */

/** One value to render: a template (deeply, Backstage's way) or, with `evaluate`, one expression. */
export interface ValueToRender {
  value: unknown;
  evaluate?: boolean;
}

/** One file of a template: its name and/or its text, each rendered when given. */
export interface FileToRender {
  name?: string;
  text?: string;
}

export interface RenderedFile {
  name?: string;
  text?: string;
}

export type RenderRequest =
  | { kind: 'values'; items: ValueToRender[]; context: object }
  | { kind: 'files'; files: FileToRender[]; context: object; cookiecutterCompat: boolean };

/** Where rendering stopped: the item (or file), which part of a file, and nunjucks' message. */
export interface RenderFailure {
  reason: 'error' | 'output_too_large';
  index: number;
  part?: 'name' | 'text';
  message: string;
}

export type RenderResponse = { ok: true; values: unknown[] } | { ok: true; files: RenderedFile[] } | { ok: false; failure: RenderFailure };

export interface WorkerTask {
  request: RenderRequest;
  /** The worker says `started` on it before rendering: the deadline counts from then. */
  started: MessagePort;
  maxOutputChars: number;
}
