import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../errors.js';
import { authorize, isAllowed } from './authorize.js';
import type { Principal } from './principal.js';

const jane: Principal = { userRef: 'user:default/jane', isAdmin: false, ownershipRefs: ['user:default/jane', 'group:default/team-a'] };
const admin: Principal = { userRef: 'user:default/admin', isAdmin: true, ownershipRefs: [] };

describe('authorize', () => {
  it('lets owners change what their groups own, and nobody else', () => {
    expect(isAllowed(jane, 'catalog.entity.update', { ref: 'component:default/a', ownerRefs: ['group:default/team-a'] })).toBe(true);
    expect(isAllowed(jane, 'catalog.entity.update', { ref: 'component:default/b', ownerRefs: ['group:default/team-b'] })).toBe(false);
    expect(isAllowed(jane, 'catalog.entity.delete', { ref: 'group:default/team-a' })).toBe(false);
  });

  it('lets every authenticated user read, and only admins read the audit log', () => {
    expect(isAllowed(jane, 'catalog.entity.read', { ref: 'component:default/b' })).toBe(true);
    expect(isAllowed(jane, 'audit.read', { ref: 'audit' })).toBe(false);
    expect(isAllowed(admin, 'audit.read', { ref: 'audit' })).toBe(true);
  });

  it('throws a ForbiddenError that says who may', () => {
    expect(() => authorize(jane, 'catalog.entity.delete', { ref: 'component:default/b', ownerRefs: ['group:default/team-b'] })).toThrow(ForbiddenError);
    expect(() => authorize(jane, 'catalog.entity.delete', { ref: 'component:default/b', ownerRefs: ['group:default/team-b'] })).toThrow(
      /only its owners \(group:default\/team-b\)/,
    );
  });
});
