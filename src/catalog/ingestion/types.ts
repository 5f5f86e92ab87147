/** A catalog location: one descriptor file, on disk or behind a URL. */
export interface LocationSpec {
  type: 'url' | 'file';
  /** An absolute path (`file`) or an absolute http(s) URL (`url`). */
  target: string;
}

export interface ReaderOptions {
  /** Absolute directories; a `file` target, symlinks resolved, must lie inside one of them. */
  fileRoots: readonly string[];
  /**
   * Host names (exact, case-insensitive; an optional `:port` is ignored) that may be fetched even
   * when they resolve to private, loopback or link-local addresses.
   */
  urlAllow: readonly string[];
  /** A larger file or response is refused; reading stops at the limit. */
  maxFileBytes: number;
  /** Per URL, for the whole exchange: redirects, headers and body. */
  fetchTimeoutMs: number;
  /** How deep `kind: Location` documents may nest; default 20. */
  maxDepth?: number;
  /** Default 20,000. */
  maxEntitiesPerFile?: number;
}

export interface ReadEntity {
  /** The raw parsed document, placeholders already substituted. Not validated. */
  entity: Record<string, unknown>;
  /** The file or URL this document came from (for managed-by-location). */
  location: LocationSpec;
  /** 1-based index of the YAML document in that file. */
  document: number;
  /** 1-based line where that document's content starts. */
  line: number;
  /** 1-based line of a JSON path inside this document (e.g. ['spec','owner']), or of the nearest existing parent; undefined if unknown. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export interface LocationReadError {
  /** Stable code, e.g. `catalog.yaml_invalid`; `docs/errors.md` lists them. */
  code: string;
  /** Says what, where and how to fix, e.g. "components/a.yaml document 2 line 7: ...". */
  message: string;
  /** The file or URL where the problem is. */
  location: LocationSpec;
  document?: number;
  line?: number;
  /** Dotted JSON path, e.g. `spec.targets[1]`. */
  path?: string;
}

export interface LocationFileResult {
  location: LocationSpec;
  /** Every well-formed document (objects only), including `kind: Location` documents themselves. */
  entities: ReadEntity[];
  errors: LocationReadError[];
  /**
   * true when the file itself could not be read or parsed at all (missing, too large, refused,
   * malformed YAML): callers must then keep what they had stored from this file rather than
   * delete it. A YAML syntax error anywhere in the file sets it too, because a broken quote or
   * indent can swallow the documents after it; the documents that did parse are still in
   * `entities`. A file with one bad document among good ones (not a mapping, a bad placeholder)
   * is NOT failed: its good documents are in `entities`, the bad one in `errors`.
   */
  failed: boolean;
}

/** What reading one file or URL gave: its text, or why not. `detail` names no location. */
export type ReadOutcome =
  | { ok: true; text: string }
  | { ok: false; code: string; detail: string };

/** A problem found inside a file, before it is placed (file name prefixed) as a LocationReadError. */
export interface Problem {
  code: string;
  detail: string;
  document?: number;
  line?: number;
  path?: string;
}
