import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentType, type StaticServer, serveStatic } from './static-server.ts';

/** A raw GET that keeps the path exactly as written (fetch would normalise "..%2f" and friends). */
function rawGet(
  server: StaticServer,
  path: string,
): Promise<{ status: number; type: string; location: string; body: string }> {
  const { hostname, port } = new URL(server.origin);
  return new Promise((done, fail) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'] ?? '',
          location: res.headers.location ?? '',
          body,
        }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

describe('contentType', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['icon.svg', 'image/svg+xml; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['engine.wasm', 'application/wasm'],
    ['wasm.en.pagefind', 'application/octet-stream'],
    ['pagefind.en_1234.pf_meta', 'application/octet-stream'],
    ['no-extension', 'application/octet-stream'],
  ])('%s is served as %s', (file, type) => {
    expect(contentType(file)).toBe(type);
  });
});

describe('serveStatic', () => {
  let root: string;
  let outside: string;
  let server: StaticServer;

  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'kvmspec-static-'));
    root = join(outside, 'dist');
    await mkdir(join(root, 'chapter'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<h1>home</h1>');
    await writeFile(join(root, '404.html'), '<h1>not found page</h1>');
    await writeFile(join(root, 'chapter', 'index.html'), '<h1>chapter</h1>');
    await writeFile(join(root, 'app.mjs'), 'export {};');
    await writeFile(join(outside, 'secret.txt'), 'secret');
    server = await serveStatic({ root, base: '/kvmspec' });
  });

  afterAll(async () => {
    await server.close();
    await rm(outside, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only, on an ephemeral port, under the base path', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/kvmspec/`);
  });

  it('serves a folder URL from its index.html', async () => {
    const home = await rawGet(server, '/kvmspec/');
    expect(home).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>home</h1>' });
    expect((await rawGet(server, '/kvmspec/chapter/')).body).toBe('<h1>chapter</h1>');
  });

  it('redirects a folder URL without its trailing slash, as GitHub Pages does', async () => {
    expect(await rawGet(server, '/kvmspec/chapter')).toMatchObject({ status: 301, location: '/kvmspec/chapter/' });
    expect(await rawGet(server, '/kvmspec')).toMatchObject({ status: 301, location: '/kvmspec/' });
  });

  it('serves files with their content type', async () => {
    expect(await rawGet(server, '/kvmspec/app.mjs')).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('answers 404 with the site 404 page for a missing file or a path outside the base', async () => {
    for (const path of ['/kvmspec/missing.html', '/kvmspec/chapter/missing/', '/index.html', '/']) {
      expect(await rawGet(server, path)).toMatchObject({ status: 404, body: '<h1>not found page</h1>' });
    }
  });

  it('never serves a file outside its root', async () => {
    for (const path of ['/kvmspec/../secret.txt', '/kvmspec/..%2fsecret.txt', '/kvmspec/%2e%2e/secret.txt']) {
      const response = await rawGet(server, path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('secret');
    }
  });

  it('rejects methods other than GET and HEAD', async () => {
    const response = await fetch(server.url, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});
