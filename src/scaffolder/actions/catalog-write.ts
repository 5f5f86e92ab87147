import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { defineAction } from './action.js';

export const catalogWrite = defineAction<{ filePath?: string; entity: Record<string, unknown> }>({
  id: 'catalog:write',
  description: 'Writes an entity descriptor (catalog-info.yaml by default) into the workspace.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['entity'],
      additionalProperties: false,
      properties: {
        filePath: { type: 'string', description: 'Defaults to catalog-info.yaml' },
        entity: { type: 'object', description: 'The entity, as it will be written' },
      },
    },
  },
  async handler(context) {
    const filePath = context.input.filePath ?? 'catalog-info.yaml';
    const target = await context.workspace.resolve(filePath, 'input.filePath');
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, stringify(context.input.entity));
    await context.log(`Wrote ${filePath}`);
  },
});
