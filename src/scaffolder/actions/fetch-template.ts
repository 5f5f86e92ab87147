import { copyTree } from './fetch-content.js';
import { defineAction } from './action.js';

interface Input {
  url: string;
  targetPath?: string;
  values?: Record<string, unknown>;
  copyWithoutTemplating?: string[];
  cookiecutterCompat?: boolean;
  templateFileExtension?: boolean | string;
  replace?: boolean;
}

export const fetchTemplate = defineAction<Input>({
  id: 'fetch:template',
  description: 'Copies a folder of the template into the workspace, rendering file names and contents with `values`.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', description: 'Folder to copy, relative to the template (e.g. ./skeleton)' },
        targetPath: { type: 'string', description: 'Where in the workspace to put it; defaults to the root' },
        values: { type: 'object', description: 'What `${{ values.x }}` refers to in the files' },
        copyWithoutTemplating: { type: 'array', items: { type: 'string' }, description: 'Globs of files copied as they are' },
        cookiecutterCompat: { type: 'boolean', description: 'Also accept `{{ cookiecutter.x }}` and the jsonify filter' },
        templateFileExtension: { type: ['boolean', 'string'], description: 'Render only files with this extension (true: .njk), dropping it' },
        replace: { type: 'boolean', description: 'Overwrite files that already exist in the workspace' },
      },
    },
  },
  examples: [{ description: 'Render the skeleton', example: 'action: fetch:template\ninput:\n  url: ./skeleton\n  values:\n    name: ${{ parameters.name }}' }],
  async handler(context) {
    const { url, targetPath = '.', values = {}, ...options } = context.input;
    const from = await context.templateFiles.resolve(url);
    if (!from.isDirectory) throw new Error(`${url} is a file; use fetch:template:file for single files`);
    const written = await copyTree(context, from, targetPath, { values, ...options });
    await context.log(`Rendered ${written} files from ${url} into ${targetPath}`);
  },
});
