import type { RegistryFieldsType } from '@rjsf/utils';
import { EntityNamePicker } from './entity-name-picker.js';
import { EntityPicker, OwnerPicker } from './entity-picker.js';
import { EntityTagsPicker } from './entity-tags-picker.js';
import { RepoUrlPicker } from './repo-url-picker.js';

/** Backstage's common field extensions, by the `ui:field` names templates use. */
export const scaffolderFields: RegistryFieldsType = { EntityNamePicker, EntityPicker, OwnerPicker, RepoUrlPicker, EntityTagsPicker };
