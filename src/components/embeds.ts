/**
 * Finds the live components a chapter embeds (<LiveCheck …/>, <ModelPlot …/>, <ModelSource …/>)
 * and their attributes, so the content tests can run exactly what the chapters show. Code
 * fences and inline code are skipped (a chapter may show a tag as an example). Attribute values
 * must be string literals, or for ModelSource's `mark` a literal array of numbers: anything the
 * tests cannot evaluate is reported as a problem rather than silently skipped.
 */

export const COMPONENTS = ['LiveCheck', 'ModelPlot', 'ModelSource'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface Embed {
  readonly component: ComponentName;
  readonly file: string;
  readonly line: number;
  readonly attrs: Readonly<Record<string, string | number[]>>;
  /** What is wrong with the tag itself (unsupported attribute syntax, not self-closing). */
  readonly problems: readonly string[];
}

/** Replaces fenced code blocks and inline code with blanks of the same shape (lines are kept). */
export function blankCode(source: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return source.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`[^`\n]*`/g, blank);
}

const ATTR = /\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|\{([^{}]*)\}))?/y;

function parseAttrs(text: string, problems: string[]): Record<string, string | number[]> {
  const attrs: Record<string, string | number[]> = {};
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    ATTR.lastIndex = i;
    const m = ATTR.exec(text);
    if (!m || m[0].length === 0) {
      problems.push(`cannot read the attributes from “${text.slice(i, i + 30)}”`);
      break;
    }
    i = ATTR.lastIndex;
    const [, name, dq, sq, expr] = m as unknown as [string, string, string?, string?, string?];
    if (name in attrs) problems.push(`attribute ${name} appears twice`);
    if (dq !== undefined || sq !== undefined) attrs[name] = (dq ?? sq) as string;
    else if (expr !== undefined) {
      const arr = /^\s*\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]\s*$/.exec(expr);
      const num = /^\s*(\d+)\s*$/.exec(expr);
      if (arr) attrs[name] = (arr[1] ?? '').split(',').filter(Boolean).map(Number);
      else if (num) attrs[name] = num[1] as string;
      else problems.push(`attribute ${name}={${expr.trim()}} is an expression the tests cannot check: use a literal`);
    } else problems.push(`attribute ${name} has no value`);
  }
  return attrs;
}

export function findEmbeds(source: string, file: string): Embed[] {
  const text = blankCode(source);
  const out: Embed[] = [];
  const tag = new RegExp(`<(${COMPONENTS.join('|')})\\b([^>]*?)(/?)>`, 'g');
  for (const m of text.matchAll(tag)) {
    const problems: string[] = [];
    const attrs = parseAttrs(m[2] ?? '', problems);
    if (m[3] !== '/') problems.push('the tag must be self-closing (<… />)');
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ component: m[1] as ComponentName, file, line, attrs, problems });
  }
  return out;
}
