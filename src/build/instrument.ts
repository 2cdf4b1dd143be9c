/**
 * Source locations for model steps. Every `yield* op` in a model file becomes
 * `yield* $site(file, line, op)`, so each action a model yields carries the file and line of the
 * model statement that issued it — what the trace viewer highlights and the CLI prints.
 *
 * Done as a source transform (with the TypeScript parser, never by regular expressions) rather
 * than from stack traces because the browser runs a bundled, renumbered copy of the models.
 * The import is added on the first line, so line numbers do not move. Used by the Vite plugin
 * (site, Vitest) and by the Node loader hook (CLI, benchmarks): one transform everywhere.
 */
import path from 'node:path';
import ts from 'typescript';
import { SITE_MODULE } from './model-files.mjs';

export { isModelFile, SITE_MODULE } from './model-files.mjs';

export function instrument(code: string, absFile: string, root: string): string {
  const sf = ts.createSourceFile(absFile, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: { pos: number; text: string }[] = [];
  const rel = path.relative(root, absFile).replaceAll('\\', '/');
  const visit = (node: ts.Node): void => {
    if (ts.isYieldExpression(node) && node.asteriskToken && node.expression) {
      const expr = node.expression;
      const start = expr.getStart(sf);
      const line = sf.getLineAndCharacterOfPosition(start).line + 1;
      edits.push({ pos: start, text: `__kvmspec_site(${JSON.stringify(rel)}, ${line}, ` });
      edits.push({ pos: expr.end, text: ')' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (edits.length === 0) return code;
  // Apply from the end so earlier positions stay valid; at one position, closings go first.
  edits.sort((a, b) => b.pos - a.pos || (a.text === ')' ? -1 : 1));
  let out = code;
  for (const e of edits) out = out.slice(0, e.pos) + e.text + out.slice(e.pos);
  let spec = path.relative(path.dirname(absFile), path.join(root, SITE_MODULE)).replaceAll('\\', '/');
  if (!spec.startsWith('.')) spec = `./${spec}`;
  return `import { $site as __kvmspec_site } from ${JSON.stringify(spec)}; ${out}`;
}
