/**
 * A small static file server for the built site, used by the browser tests.
 *
 * It mimics what GitHub Pages does with `dist/`, so the tests see the site the
 * way readers will: files are served under the site's base path, a folder
 * answers with its index.html, a folder URL without its trailing slash is
 * redirected, and a missing file gets status 404 with the site's 404 page.
 * It listens on 127.0.0.1 only, on a port the OS picks, so parallel test files
 * never collide and nothing outside this machine can reach it.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { lookup } from 'mrmime';

export interface StaticServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The site's home page: origin + base + '/'. */
  readonly url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Folder to serve (normally dist/). */
  root: string;
  /** URL path prefix the site is built for, e.g. '/kvmspec'; '/' or '' for none. */
  base?: string;
}

/**
 * Pagefind's index files are gzip-compressed binary chunks that its script
 * fetches and decompresses itself, so they are served as opaque bytes.
 * Everything else is looked up by extension in mrmime's table.
 */
const EXTRA_TYPES: Readonly<Record<string, string>> = {
  '.pagefind': 'application/octet-stream',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pf_filter': 'application/octet-stream',
};

/** Content-Type for a file name, with a charset for the textual types. */
export function contentType(fileName: string): string {
  const ext = extname(fileName).toLowerCase();
  const type = EXTRA_TYPES[ext] ?? lookup(ext) ?? 'application/octet-stream';
  const textual =
    type.startsWith('text/') || type === 'application/json' || type === 'image/svg+xml' || type.endsWith('+json');
  return textual ? `${type}; charset=utf-8` : type;
}

/** '/kvmspec/' → '/kvmspec', '/' → '', 'kvmspec' → '/kvmspec'. */
function normaliseBase(base: string): string {
  const trimmed = base.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

type Resolution =
  | { kind: 'file'; path: string; size: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'missing' };

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

async function resolveRequest(root: string, base: string, pathname: string): Promise<Resolution> {
  // The base itself without its slash is a folder URL: send the browser to the canonical form.
  if (base !== '' && pathname === base) return { kind: 'redirect', location: `${base}/` };
  if (!pathname.startsWith(`${base}/`)) return { kind: 'missing' };

  const inSite = pathname.slice(base.length);
  const candidate = resolve(root, `.${inSite}`);
  // A decoded "%2e%2e%2f" or "..%2f" must not lead out of the served folder.
  const fromRoot = relative(root, candidate);
  if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) return { kind: 'missing' };

  const found = await statOrNull(candidate);
  if (found?.isDirectory()) {
    if (!pathname.endsWith('/')) return { kind: 'redirect', location: `${pathname}/` };
    const index = join(candidate, 'index.html');
    const indexStat = await statOrNull(index);
    return indexStat?.isFile() ? { kind: 'file', path: index, size: indexStat.size } : { kind: 'missing' };
  }
  if (found?.isFile()) return { kind: 'file', path: candidate, size: found.size };
  return { kind: 'missing' };
}

async function handle(root: string, base: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Tests must always see the current build, never a cached copy.
  res.setHeader('Cache-Control', 'no-store');

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Method Not Allowed\n');
    return;
  }

  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Bad Request\n');
    return;
  }

  const found = await resolveRequest(root, base, pathname);
  if (found.kind === 'redirect') {
    res.writeHead(301, { Location: found.location });
    res.end();
    return;
  }
  if (found.kind === 'missing') {
    // Like GitHub Pages: status 404, body the site's own 404 page when it has one.
    const page = await readFile(join(root, '404.html')).catch(() => null);
    res.writeHead(404, { 'Content-Type': page ? contentType('404.html') : 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : (page ?? 'Not Found\n'));
    return;
  }

  res.writeHead(200, { 'Content-Type': contentType(found.path), 'Content-Length': found.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Serves `root` on http://127.0.0.1:<ephemeral port>`base`/ until `close()` is called. */
export async function serveStatic({ root, base = '/' }: StaticServerOptions): Promise<StaticServer> {
  const rootDir = resolve(root);
  const prefix = normaliseBase(base);
  const server = createServer((req, res) => {
    handle(rootDir, prefix, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: `${origin}${prefix}/`,
    close: () =>
      new Promise<void>((done, fail) => {
        // Browsers keep connections alive; drop them so close() doesn't wait for their timeout.
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
