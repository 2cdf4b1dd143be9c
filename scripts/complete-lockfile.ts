/**
 * Adds the platform-specific optional packages that package-lock.json is
 * missing, so that `npm ci` works.
 *
 * Why: packages such as Biome, Pagefind and Astro's compiler ship one optional
 * dependency per platform (…-darwin-arm64, …-win32-x64, …). npm records all of
 * them in the lockfile, each with the os/cpu/libc it runs on, and installs only
 * the one that matches. The registry mirror this project's machines use does
 * not carry the newest releases of some of those packages, so an `npm install`
 * here writes a lockfile without them, and `npm ci` then refuses it ("Missing:
 * @biomejs/cli-darwin-arm64@ from lock file"), here and on GitHub alike.
 * This script writes the entries npm would have written, minus the integrity
 * hash (npm checks none for a package it never installs).
 *
 * Run it after any `npm install` that changes package-lock.json:
 *   npm run lockfile:complete
 * The unit test test/tooling/lockfile.test.ts fails while entries are missing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  [field: string]: unknown;
}

export interface Lockfile {
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

export interface MissingEntry {
  /** Key in `packages`, e.g. node_modules/@biomejs/cli-darwin-arm64 */
  path: string;
  /** The package whose optionalDependencies names it. */
  requiredBy: string;
  entry: LockEntry;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const OS_TOKENS: Readonly<Record<string, string>> = {
  android: 'android',
  darwin: 'darwin',
  freebsd: 'freebsd',
  linux: 'linux',
  openharmony: 'openharmony',
  win32: 'win32',
  windows: 'win32',
};
const CPU_TOKENS = new Set(['arm', 'arm64', 'ia32', 'x64', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32']);
const LIBC_TOKENS: Readonly<Record<string, string>> = { gnu: 'glibc', musl: 'musl' };

/**
 * The os/cpu/libc a platform package declares, read from its name, which is
 * how these packages are named: `@biomejs/cli-linux-x64-musl` →
 * { os: ['linux'], cpu: ['x64'], libc: ['musl'] }. A "wasm32" package runs
 * anywhere through WebAssembly and declares only its cpu.
 */
export function platformOf(name: string): Pick<LockEntry, 'os' | 'cpu' | 'libc'> {
  const tokens = (name.split('/').pop() ?? name).split('-');
  const os = tokens.map((token) => OS_TOKENS[token]).find((value) => value !== undefined);
  const cpu = tokens.find((token) => CPU_TOKENS.has(token));
  const libc = tokens.map((token) => LIBC_TOKENS[token]).find((value) => value !== undefined);
  return {
    ...(cpu ? { cpu: [cpu] } : {}),
    ...(libc ? { libc: [libc] } : {}),
    ...(os && cpu !== 'wasm32' ? { os: [os] } : {}),
  };
}

/** Where Node's resolution finds `name` from the package at `from`, or null. */
function resolveFrom(packages: Lockfile['packages'], from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === '') return null;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}

/** Optional dependencies, pinned to an exact version, that the lockfile has no entry for. */
export function findMissing(lock: Lockfile): { missing: MissingEntry[]; unpinned: string[] } {
  const missing: MissingEntry[] = [];
  const unpinned: string[] = [];
  /** path → version of the entries about to be added */
  const planned = new Map<string, string>();
  for (const [from, parent] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(parent.optionalDependencies ?? {})) {
      if (resolveFrom(lock.packages, from, name) !== null) continue;
      if (!EXACT_VERSION.test(spec)) {
        unpinned.push(`${name}@${spec} (required by ${from || 'the root'})`);
        continue;
      }
      // Hoisted to the top like npm does, unless another version of it is already planned there.
      const top = `node_modules/${name}`;
      const atTop = planned.get(top);
      if (atTop === spec) continue;
      const path = atTop === undefined ? top : `${from}/${top}`;
      planned.set(path, spec);
      const { cpu, libc, os } = platformOf(name);
      missing.push({
        path,
        requiredBy: from,
        // Fields in the order npm writes them: version first, then alphabetical.
        entry: {
          version: spec,
          ...(cpu && { cpu }),
          ...(parent.dev && { dev: true }),
          ...(libc && { libc }),
          optional: true,
          ...(os && { os }),
        },
      });
    }
  }
  return { missing, unpinned };
}

/** The lockfile with the missing entries added, keys in npm's order. */
export function complete(lock: Lockfile, missing: readonly MissingEntry[]): Lockfile {
  const packages: Record<string, LockEntry> = { ...lock.packages };
  for (const { path, entry } of missing) packages[path] = entry;
  const [root, ...rest] = Object.keys(packages);
  // npm keeps the root ("") first and sorts the rest with localeCompare('en').
  const keys = [root ?? '', ...rest.sort((a, b) => a.localeCompare(b, 'en'))];
  return { ...lock, packages: Object.fromEntries(keys.map((key) => [key, packages[key] as LockEntry])) };
}

export const LOCKFILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

async function main(): Promise<void> {
  const lock = JSON.parse(await readFile(LOCKFILE, 'utf8')) as Lockfile;
  const { missing, unpinned } = findMissing(lock);
  for (const item of unpinned) console.warn(`not pinned to one version, left alone: ${item}`);
  if (missing.length === 0) {
    console.log('package-lock.json already lists every optional platform package.');
    return;
  }
  await writeFile(LOCKFILE, `${JSON.stringify(complete(lock, missing), null, 2)}\n`);
  for (const { path, entry } of missing) console.log(`added ${path}@${entry.version}`);
}

if (import.meta.main) await main();
