/**
 * Build-time syntax highlighting of model sources for <ModelSource>, with TypeScript's own
 * scanner (the compiler the build already uses for the source-line instrumentation), into
 * one element per token kind. Expressive Code wrote two inline colours on every token, which made
 * a chapter's dozen excerpts 200 KB of HTML; short elements make them a sixth of that, and the colours
 * follow the theme from live.css. Never shipped to the browser.
 */
import ts from 'typescript';
import { escapeHtml, escapeText } from '../live/h.ts';

type TokenClass = 'k' | 's' | 'c' | 'n' | 'f' | 't' | 'l' | '';

const LITERAL_KEYWORDS = new Set([
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.UndefinedKeyword,
  ts.SyntaxKind.ThisKeyword,
]);

/** Tokens after which a `/` divides (else it starts a regular expression). */
const ENDS_EXPRESSION = new Set([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.ThisKeyword,
]);

interface Token {
  readonly text: string;
  readonly cls: TokenClass;
}

function tokens(code: string): Token[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  const out: Token[] = [];
  /** Brace depth at which each open template literal's `${` started. */
  const templates: number[] = [];
  let braces = 0;
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.OpenBraceToken) braces++;
    if (kind === ts.SyntaxKind.CloseBraceToken) {
      if (templates.length && templates[templates.length - 1] === braces) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) templates.pop();
      } else braces--;
    }
    if (
      (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) &&
      !ENDS_EXPRESSION.has(previous)
    ) {
      kind = scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.TemplateHead) templates.push(braces);
    const text = scanner.getTokenText();
    let cls: TokenClass = '';
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) cls = 'c';
    else if (
      kind === ts.SyntaxKind.StringLiteral ||
      kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      kind === ts.SyntaxKind.TemplateHead ||
      kind === ts.SyntaxKind.TemplateMiddle ||
      kind === ts.SyntaxKind.TemplateTail ||
      kind === ts.SyntaxKind.RegularExpressionLiteral
    )
      cls = 's';
    else if (kind === ts.SyntaxKind.NumericLiteral || kind === ts.SyntaxKind.BigIntLiteral) cls = 'n';
    else if (LITERAL_KEYWORDS.has(kind)) cls = 'l';
    else if (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword) cls = 'k';
    else if (kind === ts.SyntaxKind.Identifier) {
      const rest = code.slice(scanner.getTokenEnd());
      cls = /^\s*(?:<[^<>()]*>)?\s*\(/.test(rest) ? 'f' : /^[A-Z]/.test(text) ? 't' : '';
    }
    out.push({ text, cls });
    if (kind !== ts.SyntaxKind.WhitespaceTrivia && kind !== ts.SyntaxKind.NewLineTrivia && cls !== 'c') previous = kind;
  }
  return out;
}

/** The code as one HTML string per line (tokens that span lines are split at each line end). */
export function highlightLines(code: string): string[] {
  const lines: string[] = [''];
  for (const { text, cls } of tokens(code)) {
    const parts = text.split(/\r?\n/);
    parts.forEach((part, i) => {
      if (i > 0) lines.push('');
      if (!part) return;
      // A C member access in a comment (`vcpu->requests`) must not wrap after its hyphen, which
      // a line may break after: the arrow is kept whole (<t-a>, white-space: nowrap).
      const html = escapeHtml(part).replace(/-&#62;/g, '<t-a>-&#62;</t-a>');
      // An autonomous custom element per token (<t-k>…</t-k>, inline and without meaning, like a
      // span) is 11 bytes of markup where <span class="t-k"> and its end tag were 25: a chapter
      // carries about a thousand tokens.
      lines[lines.length - 1] += cls ? `<t-${cls}>${html}</t-${cls}>` : html;
    });
  }
  return lines;
}

/**
 * The same tokens as runs, one string per line: each token is its class letter (none for plain
 * text) followed by its length in UTF-16 units, separated by spaces (`"k6 1 f5 1"`: a 6-letter
 * keyword, a space, a 5-letter function name, one plain character). Pages carry their excerpts as
 * plain lines and the browser colours them from these (src/live/highlight-runs.ts), so the
 * thousand token elements of a chapter's excerpts are not in its HTML. Served per model by
 * src/pages/kvm-highlight/.
 */
export function highlightRuns(code: string): string[] {
  const lines: string[][] = [[]];
  for (const { text, cls } of tokens(code)) {
    const parts = text.split(/\r?\n/);
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part) lines[lines.length - 1]?.push(`${cls}${part.length}`);
    });
  }
  return lines.map((l) => l.join(' '));
}

/** A line as the page carries it before it is coloured: escaped text, `->` kept whole (<t-a>). */
export function plainLine(text: string): string {
  return escapeText(text).replace(/->/g, '<t-a>-></t-a>');
}
