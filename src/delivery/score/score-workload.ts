/**
 * The Score workload (`score.dev/v1b1`) as Paved reads it: the shape of Score's JSON Schema
 * (schemas/score-v1b1.json), with the deprecated array forms of `files` and `volumes` turned
 * into the map form (target path → details) by the parser.
 */
export interface ScoreWorkload {
  apiVersion: 'score.dev/v1b1';
  metadata: { name: string; annotations?: Record<string, string>; [key: string]: unknown };
  service?: { ports?: Record<string, ScoreServicePort> };
  containers: Record<string, ScoreContainer>;
  resources?: Record<string, ScoreResource>;
}

export interface ScoreServicePort {
  port: number;
  protocol?: 'TCP' | 'UDP';
  targetPort?: number;
}

export interface ScoreContainer {
  image: string;
  command?: string[];
  args?: string[];
  variables?: Record<string, string>;
  files?: Record<string, ScoreContainerFile>;
  volumes?: Record<string, ScoreContainerVolume>;
  resources?: { limits?: ScoreResourceLimits; requests?: ScoreResourceLimits };
  livenessProbe?: ScoreProbe;
  readinessProbe?: ScoreProbe;
}

export interface ScoreContainerFile {
  mode?: string;
  source?: string;
  content?: string;
  binaryContent?: string;
  noExpand?: boolean;
}

export interface ScoreContainerVolume {
  source: string;
  path?: string;
  readOnly?: boolean;
}

export interface ScoreResourceLimits {
  cpu?: string;
  memory?: string;
}

export interface ScoreProbe {
  httpGet?: {
    host?: string;
    scheme?: 'HTTP' | 'HTTPS';
    path: string;
    port: number;
    httpHeaders?: { name: string; value: string }[];
  };
  exec?: { command: string[] };
}

export interface ScoreResource {
  type: string;
  class?: string;
  id?: string;
  metadata?: { annotations?: Record<string, string>; [key: string]: unknown };
  params?: Record<string, unknown>;
}
