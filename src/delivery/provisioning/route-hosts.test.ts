import { describe, expect, it } from 'vitest';
import { isPavedsHost, routeHostProblem } from './route-hosts.js';

const scope = { workload: 'shop', environment: 'dev', routeDomain: 'apps.example.com', ownHosts: ['localhost', 'paved.example.com'] };

describe('route hosts', () => {
  it("lets a workload claim its own names and names under them, in either domain", () => {
    for (const host of ['shop.dev.localhost', 'api.shop.dev.localhost', 'SHOP.dev.localhost', 'shop.dev.apps.example.com', 'v2.api.shop.dev.apps.example.com']) {
      expect(routeHostProblem(host, scope), host).toBeUndefined();
    }
  });

  it("refuses Paved's names, addresses, other workloads' names and anything not a host name", () => {
    const refused = ['localhost', 'paved.example.com', '127.0.0.1', '[::1]', '::1', '10.0.0.8', 'cart.dev.localhost', 'shop.prod.localhost', 'shop.dev.localhost.evil.test', 'evilshop.dev.localhost', 'dev.localhost', 'apps.example.com', 'shop.dev.localhost:80', 'http://shop.dev.localhost', 'shop.dev.localhost/', 'shop.dev.localhost.', '', 42, undefined];
    for (const host of refused) expect(routeHostProblem(host, scope), String(host)).toBeDefined();
    expect(routeHostProblem('shop.dev.apps.example.com', { ...scope, routeDomain: undefined })).toContain('not shop');
  });

  it("tells the router which hosts are Paved's, whatever backend was set", () => {
    const pavedHosts = ['localhost', 'paved.example.com', '127.0.0.1', '[::1]', '', 'example.com', 'localhost.', 'apps.example.com.evil.test'];
    for (const host of pavedHosts) expect(isPavedsHost(host, scope.ownHosts, scope.routeDomain), host).toBe(true);
    for (const host of ['shop.dev.localhost', 'api.shop.dev.localhost', 'shop.dev.apps.example.com']) expect(isPavedsHost(host, scope.ownHosts, scope.routeDomain), host).toBe(false);
  });
});
