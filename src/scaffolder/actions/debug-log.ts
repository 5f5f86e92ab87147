import { defineAction } from './action.js';

interface Input {
  message?: string;
  listWorkspace?: boolean | 'with-filenames' | 'with-contents';
}

export const debugLog = defineAction<Input>({
  id: 'debug:log',
  description: 'Writes a message, and optionally the workspace listing, to the task log.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      additionalProperties: false,
      properties: {
        message: { type: 'string' },
        listWorkspace: { enum: [true, false, 'with-filenames', 'with-contents'], description: 'List the files (and their contents)' },
      },
    },
  },
  async handler(context) {
    const { message, listWorkspace } = context.input;
    if (message) await context.log(message);
    if (!listWorkspace) return;
    for (const file of await context.workspace.listFiles()) {
      if (listWorkspace !== 'with-contents') {
        await context.log(`workspace: ${file}`);
        continue;
      }
      await context.log(`workspace: ${file}\n${(await context.workspace.readFile(file, 'workspace')).toString('utf8')}`);
    }
  },
});
