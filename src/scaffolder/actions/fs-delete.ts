import picomatch from 'picomatch';
import { defineAction } from './action.js';

export const fsDelete = defineAction<{ files: string[] }>({
  id: 'fs:delete',
  description: 'Deletes files and folders (paths or globs) from the workspace.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      required: ['files'],
      additionalProperties: false,
      properties: { files: { type: 'array', items: { type: 'string' }, description: 'Paths or globs, relative to the workspace' } },
    },
  },
  async handler(context) {
    for (const pattern of context.input.files) {
      if (picomatch.scan(pattern).isGlob) {
        // Checked like a path first, so a glob cannot reach outside either.
        await context.workspace.exists(picomatch.scan(pattern).base || '.', 'input.files');
        const matches = picomatch(pattern, { dot: true });
        for (const file of (await context.workspace.listFiles()).filter((candidate) => matches(candidate))) {
          await context.workspace.remove(file, 'input.files');
          await context.log(`Deleted ${file}`);
        }
      } else {
        await context.workspace.remove(pattern, 'input.files');
        await context.log(`Deleted ${pattern}`);
      }
    }
  },
});
