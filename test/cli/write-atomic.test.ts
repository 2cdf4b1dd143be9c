/**
 * The loader hook's cache writes (src/cli/write-atomic.mjs): worker threads of one process (the
 * CLI's `--workers`, which all run the hook) writing one cache file at once, while another
 * thread reads it, never show a reader part of a file nor leave a temporary file behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';

const moduleUrl = new URL('../../src/cli/write-atomic.mjs', import.meta.url).href;
const dir = mkdtempSync(path.join(tmpdir(), 'kvmspec-write-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Thread `id`'s version of the file: long enough that writing it is not one step. */
const version = (id: number) => `${String(id).repeat(8)}\n`.repeat(64 * 1024);

const writer = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.moduleUrl).then(({ writeFileAtomic }) => {
  const text = \`\${String(workerData.id).repeat(8)}\\n\`.repeat(64 * 1024);
  for (let i = 0; i < workerData.times; i++) writeFileAtomic(workerData.file, text);
  parentPort.postMessage('done');
});
`;

function run(file: string, id: number, times: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = new Worker(writer, { eval: true, workerData: { moduleUrl, file, id, times } });
    w.once('message', () => resolve());
    w.once('error', reject);
  });
}

describe('writeFileAtomic', () => {
  it('threads of one process writing one file: every read is a whole version, no temporary file stays', async () => {
    const file = path.join(dir, 'cached.js');
    const writers = [1, 2, 3, 4];
    const { writeFileAtomic } = (await import(moduleUrl)) as { writeFileAtomic: (f: string, t: string) => void };
    writeFileAtomic(file, version(0));
    const whole = new Set([0, ...writers].map(version));
    let done = false;
    const all = Promise.all(writers.map((id) => run(file, id, 40))).finally(() => {
      done = true;
    });
    let reads = 0;
    const torn: number[] = [];
    while (!done) {
      const text = readFileSync(file, 'utf8');
      reads++;
      if (!whole.has(text)) torn.push(text.length);
      await new Promise((r) => setImmediate(r));
    }
    await all;
    expect(reads).toBeGreaterThan(0);
    expect(torn, 'reads that were not a whole version (their lengths)').toEqual([]);
    expect(readdirSync(dir)).toEqual(['cached.js']);
  }, 120_000);
});
