/**
 * Issue 12, "copy as text": `kvmspec check … --format text` and `kvmspec replay … --format text`
 * print the counterexample as the same mailing-list interleaving the site's "Copy as text"
 * button gives (src/live/trace-text.ts, tested in the browser by test/browser/reader.test.ts),
 * and a wrong --format is refused.
 */
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/kvmspec.ts';
import { traceMeta } from '../../src/live/meta.ts';
import { traceText } from '../../src/live/trace-text.ts';
import { check } from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { requests } from '../../src/spec/models/requests/model.ts';

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), progress: false, models: MODELS });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const kick = check(requests, { variant: 'no-vcpu-barrier', memoryModel: 'tso' });
const trace = kick.counterexample;
if (!trace) throw new Error('no counterexample for requests / no-vcpu-barrier / tso');
const meta = traceMeta(requests, trace.variant, trace.params);

describe('--format text', () => {
  it('check prints the interleaving the site copies, property and replay command included', () => {
    const r = run('check', 'requests', '--variant', 'no-vcpu-barrier', '--memory-model', 'tso', '--format', 'text');
    expect(r.code).toBe(EXIT.violated);
    expect(r.stdout).toBe(
      traceText(trace, meta, {
        property: kick.violation?.property,
        description: kick.violation?.description,
      }).trimEnd(),
    );
    expect(r.stdout).toMatch(/CPU 0 \(vcpu\)\s+CPU 1 \(sender\)/);
    expect(r.stdout).toContain('READ_ONCE(vcpu->requests) -> 0');
    expect(r.stdout).toContain(`kvmspec replay '${trace.encoded}'`);
    expect(/^[\x20-\x7e\n]*$/.test(r.stdout)).toBe(true);
  });

  it('replay prints the same interleaving', () => {
    const r = run('replay', trace.encoded, '--format', 'text');
    expect(r.code).toBe(EXIT.holds);
    expect(r.stdout).toBe(traceText(trace, meta).trimEnd());
  });

  it('refuses another format, and text together with --json', () => {
    const bad = run('check', 'requests', '--variant', 'no-vcpu-barrier', '--format', 'xml');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toBe('kvmspec check: --format must be table or text (got xml)');
    const both = run('replay', trace.encoded, '--format', 'text', '--json');
    expect(both.code).toBe(EXIT.usage);
    expect(both.stderr).toBe('kvmspec replay: --format text and --json exclude each other');
  });
});
