// A self-hosted extension update server for the force-install e2e test: serves the files of
// one folder (update.xml and the CRX from `./build.sh package`) over HTTP on loopback, with the
// content types Chrome expects, and records every request so a test can prove Chrome asked.
// Layer: test tooling.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const TYPES = { '.xml': 'text/xml', '.crx': 'application/x-chrome-extension' };

/** Starts the server on 127.0.0.1 (a free port); `dir` is read on each request. */
export async function startUpdateServer(dir) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const file = path.join(dir, path.basename(decodeURIComponent(url.pathname)));
    const found = url.pathname !== '/' && existsSync(file) && statSync(file).isFile() && TYPES[path.extname(file)];
    requests.push({ method: req.method, path: url.pathname, query: url.searchParams, status: found ? 200 : 404, at: Date.now() });
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)], 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
