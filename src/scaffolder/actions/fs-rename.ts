import fs from 'node:fs/promises';
import path from 'node:path';
import { defineAction } from './action.js';

interface Input {
  files: { from: string; to: string; overwrite?: boolean }[];
}

export const fsRename = defineAction<Input>({
  id: 'fs:rename',
  description: 'Renames or moves files and folders inside the workspace.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['files'],
      additionalProperties: false,
      properties: {
        files: {
          type: 'array',
          items: {
            type: 'object',
            required: ['from', 'to'],
            additionalProperties: false,
            properties: { from: { type: 'string' }, to: { type: 'string' }, overwrite: { type: 'boolean' } },
          },
        },
      },
    },
  },
  async handler(context) {
    for (const [index, file] of context.input.files.entries()) {
      const from = await context.workspace.resolve(file.from, `input.files[${index}].from`);
      const to = await context.workspace.resolve(file.to, `input.files[${index}].to`);
      if (!(await fs.stat(from).catch(() => undefined))) throw new Error(`input.files[${index}].from: ${file.from} does not exist in the workspace`);
      if (!file.overwrite && (await fs.stat(to).catch(() => undefined))) {
        throw new Error(`input.files[${index}].to: ${file.to} already exists; set overwrite: true to replace it`);
      }
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.rename(from, to);
      await context.log(`Renamed ${file.from} to ${file.to}`);
    }
  },
});
