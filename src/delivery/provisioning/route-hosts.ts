import net from 'node:net';

/** Where a workload's routes may point: names under its own, in its own environment. */
export interface RouteScope {
  workload: string;
  environment: string;
  /** A platform-configured domain (delivery.routeDomain): `<workload>.<environment>.<domain>` is the workload's too. */
  routeDomain: string | undefined;
  /** Paved's own host names (its base URL's, the portal's): never a workload's. */
  ownHosts: readonly string[];
}

const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The host names a workload owns: its router name, and the one under the route domain. */
function ownRouteHosts(scope: Pick<RouteScope, 'workload' | 'environment' | 'routeDomain'>): string[] {
  const base = `${scope.workload}.${scope.environment}`;
  return [`${base}.localhost`, ...(scope.routeDomain ? [`${base}.${scope.routeDomain}`] : [])];
}

/**
 * Why a workload may not claim `host`, or undefined when it may. The router sees requests before
 * Paved's API does, so a route to Paved's host (or `localhost`, an address) would hand the
 * workload every token sent to Paved; a route to another workload's host would take its traffic.
 * A workload's names are its own because its name belongs to one repository per environment.
 */
export function routeHostProblem(host: unknown, scope: RouteScope): string | undefined {
  const own = ownRouteHosts(scope);
  const allowed = `${own.join(' or ')}, or a name under ${own.length > 1 ? 'one of them' : 'it'} (e.g. api.${own[0]})`;
  if (typeof host !== 'string' || host.length === 0) return `a route's host is a host name: ${allowed}`;
  const name = host.toLowerCase();
  if (net.isIP(name.replace(/^\[|\]$/g, '')) !== 0) return `"${host}" is an address; a route's host is ${allowed}`;
  if (!DNS_NAME.test(name) || name.length > 253) return `"${host}" is not a host name (no port, path or scheme); a route's host is ${allowed}`;
  if (scope.ownHosts.includes(name)) return `"${host}" is Paved's own host; a route's host is ${allowed}`;
  if (!own.some((candidate) => name === candidate || name.endsWith(`.${candidate}`))) {
    return `"${host}" is not ${scope.workload}'s to claim in ${scope.environment} (Paved's host, another workload's, or outside its names); a route's host is ${allowed}`;
  }
  return undefined;
}

/**
 * Hosts the router leaves to Paved's API whatever a backend says: Paved's own names, addresses,
 * and anything outside the names workloads get (`*.localhost`, `*.<routeDomain>`).
 */
export function isPavedsHost(host: string, ownHosts: readonly string[], routeDomain: string | undefined): boolean {
  if (ownHosts.includes(host) || net.isIP(host.replace(/^\[|\]$/g, '')) !== 0) return true;
  return !host.endsWith('.localhost') && !(routeDomain && host.endsWith(`.${routeDomain}`));
}
