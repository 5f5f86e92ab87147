/** A team and two users: ada is in team-a, eve in no group. For tests of who may do what. */
export const TEAM_A_PEOPLE = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: eve }
spec: { memberOf: [] }
`;

/**
 * The cast, as in the demo org: ada and bruno in checkout-team, chen in catalog-team; no
 * `paved-admins` group (the demo defines none either). For tests of one team against another.
 */
export const TWO_TEAMS_PEOPLE = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: checkout-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: catalog-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [checkout-team] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bruno }
spec: { memberOf: [checkout-team] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: chen }
spec: { memberOf: [catalog-team] }
`;
