/** Runs the kvmspec command in a child process, as a user does (shared by the CLI tests). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function exec(file: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI as bin/kvmspec does: the test's Node (the pinned one) with the loader hook. */
export function kvmspec(...args: string[]): Promise<Run> {
  return exec(
    process.execPath,
    ['--import', `${ROOT}src/cli/register.mjs`, `${ROOT}src/cli/kvmspec.ts`, ...args],
    ROOT,
  );
}
