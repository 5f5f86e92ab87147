import { copyTree } from './fetch-content.js';
import { defineAction } from './action.js';

interface Input {
  url: string;
  targetPath: string;
  values?: Record<string, unknown>;
  cookiecutterCompat?: boolean;
  replace?: boolean;
}

export const fetchTemplateFile = defineAction<Input>({
  id: 'fetch:template:file',
  description: 'Renders one file of the template with `values` into the workspace.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['url', 'targetPath'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', description: 'File to render, relative to the template' },
        targetPath: { type: 'string', description: 'Path of the rendered file in the workspace' },
        values: { type: 'object' },
        cookiecutterCompat: { type: 'boolean' },
        replace: { type: 'boolean' },
      },
    },
  },
  async handler(context) {
    const { url, targetPath, values = {}, ...options } = context.input;
    const from = await context.templateFiles.resolve(url);
    if (from.isDirectory) throw new Error(`${url} is a folder; use fetch:template for folders`);
    await copyTree(context, from, targetPath, { values, ...options });
    await context.log(`Rendered ${url} to ${targetPath}`);
  },
});
