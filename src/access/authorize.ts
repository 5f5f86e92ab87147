import { ForbiddenError } from '../errors.js';
import type { Principal } from './principal.js';

/**
 * Who may do what. `anyone` means any authenticated principal; `owner` means a principal that
 * owns the resource, directly or through one of its groups; `creator` means the principal the
 * resource was created by; admins may do everything.
 */
const rules = {
  'catalog.entity.read': 'anyone',
  'catalog.entity.create': 'owner',
  'catalog.entity.update': 'owner',
  'catalog.entity.delete': 'owner',
  'catalog.entity.refresh': 'anyone',
  'catalog.location.read': 'anyone',
  'catalog.location.create': 'anyone',
  'catalog.location.delete': 'creator',
  'access.token.create': 'creator',
  'access.token.read': 'creator',
  'access.token.revoke': 'creator',
  'audit.read': 'admin',
  'git.repository.create': 'owner',
  'git.repository.delete': 'owner',
  'git.repository.push': 'owner',
  'scaffolder.template.run': 'anyone',
  'secrets.secret.write': 'owner',
  'secrets.secret.list': 'owner',
  'secrets.environment.write': 'admin',
  'secrets.environment.list': 'admin',
  'tasks.task.read': 'creator',
  'tasks.task.cancel': 'creator',
  'tasks.task.retry': 'creator',
  'metrics.read': 'anyone',
  'delivery.read': 'anyone',
  'delivery.deploy': 'owner',
  'delivery.approve': 'owner',
  'delivery.environment.create': 'anyone',
  'delivery.environment.delete': 'creator',
} as const satisfies Record<string, 'anyone' | 'owner' | 'creator' | 'admin'>;

export type Action = keyof typeof rules;

export interface ProtectedResource {
  /** How the resource is named in errors and the audit log. */
  ref: string;
  /** Refs of the resource's owners, for `owner` actions. */
  ownerRefs?: readonly string[];
  /** Ref of the user the resource belongs to, for `creator` actions. */
  createdBy?: string;
}

/** Whether `principal` may perform `action` on `resource`. */
export function isAllowed(principal: Principal, action: Action, resource: ProtectedResource): boolean {
  if (principal.isAdmin) return true;
  switch (rules[action]) {
    case 'anyone':
      return true;
    case 'owner':
      return (resource.ownerRefs ?? []).some((owner) => principal.ownershipRefs.includes(owner));
    case 'creator':
      return resource.createdBy === principal.userRef;
    case 'admin':
      return false;
  }
}

/**
 * Throws `ForbiddenError` unless `principal` may perform `action` on `resource`. Callers that
 * guard reads should answer a denial with `NotFoundError` instead, so nobody learns what exists.
 */
export function authorize(principal: Principal, action: Action, resource: ProtectedResource): void {
  if (isAllowed(principal, action, resource)) return;
  const who = {
    owner: `its owners (${(resource.ownerRefs ?? []).join(', ') || 'none recorded'})`,
    creator: `the user it belongs to (${resource.createdBy ?? 'unknown'})`,
    admin: 'administrators',
    anyone: 'anyone',
  }[rules[action]];
  throw new ForbiddenError('access.forbidden', `${principal.userRef} may not ${action} ${resource.ref}: only ${who} or an administrator may`, {
    action,
    resource: resource.ref,
    hint: 'Ask an owner or an administrator, or use a token of a user who owns it.',
  });
}
