import { copyTree } from './fetch-content.js';
import { defineAction } from './action.js';

export const fetchPlainFile = defineAction<{ url: string; targetPath: string }>({
  id: 'fetch:plain:file',
  description: 'Copies one file of the template into the workspace as it is.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['url', 'targetPath'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', description: 'File to copy, relative to the template' },
        targetPath: { type: 'string', description: 'Path of the copy in the workspace' },
      },
    },
  },
  async handler(context) {
    const { url, targetPath } = context.input;
    const from = await context.templateFiles.resolve(url);
    if (from.isDirectory) throw new Error(`${url} is a folder; use fetch:plain for folders`);
    await copyTree(context, from, targetPath, undefined);
    await context.log(`Copied ${url} to ${targetPath}`);
  },
});
