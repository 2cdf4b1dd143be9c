import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findMissing, LOCKFILE, type Lockfile, platformOf } from '../../scripts/complete-lockfile.ts';

describe('package-lock.json', () => {
  it('lists every optional platform package, so `npm ci` accepts it (fix: npm run lockfile:complete)', async () => {
    const lock = JSON.parse(await readFile(LOCKFILE, 'utf8')) as Lockfile;
    expect(findMissing(lock).missing.map(({ path, entry }) => `${path}@${entry.version}`)).toEqual([]);
  });
});

describe('platformOf', () => {
  it.each([
    ['@biomejs/cli-linux-x64-musl', { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
    ['@astrojs/compiler-binding-linux-x64-gnu', { os: ['linux'], cpu: ['x64'], libc: ['glibc'] }],
    ['@pagefind/windows-arm64', { os: ['win32'], cpu: ['arm64'] }],
    ['@biomejs/cli-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] }],
    ['@astrojs/compiler-binding-wasm32-wasi', { cpu: ['wasm32'] }],
  ])('reads the platform of %s from its name', (name, platform) => {
    expect(platformOf(name)).toEqual(platform);
  });
});

describe('findMissing', () => {
  it('adds an exact-pinned optional dependency with no entry, hoisted, with the parent dev flag', () => {
    const lock: Lockfile = {
      packages: {
        '': {},
        'node_modules/tool': {
          version: '1.0.0',
          dev: true,
          optionalDependencies: { 'tool-darwin-arm64': '1.0.0', 'tool-linux-x64': '1.0.0' },
        },
        'node_modules/tool-linux-x64': { version: '1.0.0', dev: true, optional: true, os: ['linux'], cpu: ['x64'] },
      },
    };
    expect(findMissing(lock)).toEqual({
      missing: [
        {
          path: 'node_modules/tool-darwin-arm64',
          requiredBy: 'node_modules/tool',
          entry: { version: '1.0.0', dev: true, optional: true, os: ['darwin'], cpu: ['arm64'] },
        },
      ],
      unpinned: [],
    });
  });
});
