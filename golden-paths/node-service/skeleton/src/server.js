import http from 'node:http';
import { pathToFileURL } from 'node:url';

export const SERVICE_NAME = '${{ values.name }}';
const DEFAULT_PORT = ${{ values.port }};

/** The service's HTTP server, not yet listening, so tests can start it on any port. */
export function createServer() {
  return http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && pathname === '/') {
      sendJson(response, 200, { service: SERVICE_NAME, message: `Hello from ${SERVICE_NAME}!` });
    } else if (request.method === 'GET' && pathname === '/healthz') {
      sendJson(response, 200, { status: 'ok' });
    } else {
      sendJson(response, 404, { error: 'not_found', message: `No route for ${request.method} ${pathname}` });
    }
  });
}

function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT) || DEFAULT_PORT;
  const server = createServer();
  server.listen(port, () => console.log(`${SERVICE_NAME} listening on port ${port}`));
  // As a container's first process Node gets no default signal handlers, so without these
  // `docker stop` would wait for its timeout and then kill the service.
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}
