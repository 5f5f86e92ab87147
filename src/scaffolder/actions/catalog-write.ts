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
    await context.workspace.writeFile(filePath, stringify(context.input.entity), { what: 'input.filePath', overwrite: true });
    await context.log(`Wrote ${filePath}`);
  },
});
