import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paved-config-'));

describe('loadConfig', () => {
  it('defaults to port 7007, SQLite in ./.paved and the demo organization', () => {
    const cwd = tmp();
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({ port: 7007, dataDir: path.join(cwd, '.paved'), demo: true });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads paved.yaml and lets environment variables override it', () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, 'paved.yaml'), 'port: 8080\ncatalog:\n  fileRoots: [./catalog]\n  refreshIntervalSeconds: 60\n');
    const config = loadConfig({ PORT: '9090' }, cwd);
    expect(config.port).toBe(9090);
    expect(config.catalog.fileRoots).toEqual([path.join(cwd, 'catalog')]);
    expect(config.catalog.refreshIntervalSeconds).toBe(60);
  });

  it('names every bad setting at once', () => {
    const attempt = () => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', PAVED_ADMIN_TOKEN: 'short', PAVED_LOG_LEVEL: 'loud' }, tmp());
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const key of ['port', 'databaseUrl', 'adminToken', 'logLevel']) expect(message).toContain(key);
    }
  });

  it('reports a malformed paved.yaml with its path', () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, 'paved.yaml'), 'port: [8080\n');
    expect(() => loadConfig({}, cwd)).toThrow(/paved\.yaml is not valid YAML/);
  });

  it('splits list variables on commas', () => {
    const config = loadConfig({ PAVED_CATALOG_FILE_ROOTS: '/a, /b', PAVED_CATALOG_URL_ALLOW: 'git.internal,docs.internal', PAVED_DEMO: 'false' }, tmp());
    expect(config.catalog.fileRoots).toEqual(['/a', '/b']);
    expect(config.catalog.urlAllow).toEqual(['git.internal', 'docs.internal']);
    expect(config.demo).toBe(false);
  });
});
