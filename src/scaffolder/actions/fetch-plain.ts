import { copyTree } from './fetch-content.js';
import { defineAction } from './action.js';

export const fetchPlain = defineAction<{ url: string; targetPath?: string }>({
  id: 'fetch:plain',
  description: 'Copies a folder of the template into the workspace as it is, without rendering.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', description: 'Folder to copy, relative to the template' },
        targetPath: { type: 'string', description: 'Where in the workspace; defaults to the root' },
      },
    },
  },
  async handler(context) {
    const { url, targetPath = '.' } = context.input;
    const from = await context.templateFiles.resolve(url);
    if (!from.isDirectory) throw new Error(`${url} is a file; use fetch:plain:file for single files`);
    const written = await copyTree(context, from, targetPath, undefined);
    await context.log(`Copied ${written} files from ${url} into ${targetPath}`);
  },
});
