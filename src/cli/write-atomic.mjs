// @ts-check
/**
 * Writes a cache file so that a reader never sees part of it: the text goes to a temporary file
 * of its own beside the target, which is then renamed over it (rename is atomic on POSIX). The
 * temporary name carries the process id, the worker thread's id and a random part: worker
 * threads share their process's id, and the CLI's `--workers` threads all run the loader hook
 * (src/cli/register.mjs), so a name of the process id alone let two threads write one temporary
 * file, one renaming it while the other had just emptied it to write its own.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * @param {string} file
 * @param {string} text
 */
export function writeFileAtomic(file, text) {
  const tmp = `${file}.${process.pid}-${threadId}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    // 'wx': never write into a file someone else opened.
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
