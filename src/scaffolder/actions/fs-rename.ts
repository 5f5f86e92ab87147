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
      const what = { from: `input.files[${index}].from`, to: `input.files[${index}].to` };
      if (!(await context.workspace.exists(file.from, what.from))) throw new Error(`${what.from}: ${file.from} does not exist in the workspace`);
      if (await context.workspace.exists(file.to, what.to)) {
        if (!file.overwrite) throw new Error(`${what.to}: ${file.to} already exists; set overwrite: true to replace it`);
        await context.workspace.remove(file.to, what.to);
      }
      await context.workspace.rename(file.from, file.to, what);
      await context.log(`Renamed ${file.from} to ${file.to}`);
    }
  },
});
