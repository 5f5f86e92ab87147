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
