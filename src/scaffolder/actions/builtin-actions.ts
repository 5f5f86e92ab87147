import type { ScaffolderAction } from './action.js';
import { catalogRegister } from './catalog-register.js';
import { catalogWrite } from './catalog-write.js';
import { debugLog } from './debug-log.js';
import { debugWait } from './debug-wait.js';
import { fetchPlain } from './fetch-plain.js';
import { fetchPlainFile } from './fetch-plain-file.js';
import { fetchTemplate } from './fetch-template.js';
import { fetchTemplateFile } from './fetch-template-file.js';
import { fsDelete } from './fs-delete.js';
import { fsRename } from './fs-rename.js';
import { publishGit } from './publish-git.js';
import { publishGithub } from './publish-github.js';
import { publishGitlab } from './publish-gitlab.js';

/** Every action templates may use. A new action is one file, named here. */
export const builtinActions: readonly ScaffolderAction[] = [
  fetchTemplate,
  fetchTemplateFile,
  fetchPlain,
  fetchPlainFile,
  fsDelete,
  fsRename,
  publishGit,
  publishGithub,
  publishGitlab,
  catalogRegister,
  catalogWrite,
  debugLog,
  debugWait,
];
