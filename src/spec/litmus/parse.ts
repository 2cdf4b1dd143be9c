/**
 * A parser for herd7's C litmus format, the subset the kernel's litmus tests use
 * (tools/memory-model/litmus-tests, Documentation/litmus-tests):
 *
 *   C NAME
 *   (* header comment, possibly with a "Result: Never|Sometimes|Always" line *)
 *   { x=1; y=&z; int *p = &x; atomic_t v = ATOMIC_INIT(1); }
 *   P0(int *x, int **y) { int r0; r0 = READ_ONCE(*x); if (r0) WRITE_ONCE(*y, x); }
 *   …
 *   locations [0:r1; x]
 *   filter (0:r0=1)
 *   exists (0:r0=1 /\ ~(1:r0=0 \/ x=2))          (or ~exists, forall)
 *
 * Hand-written recursive descent: the grammar is small, and every error can name the construct
 * and its line:col exactly, which a generated parser's messages do not do as well (README).
 * This file only builds the syntax tree; which calls the engine can express is decided in
 * compile.ts, so that an unknown or unsupported construct is always reported, never guessed.
 */

export interface Pos {
  readonly line: number;
  readonly col: number;
}

/** A litmus test that cannot be read or expressed: the message names the construct and place. */
export class LitmusError extends Error {
  readonly pos: Pos;
  readonly file: string | undefined;
  readonly detail: string;
  constructor(detail: string, pos: Pos, file?: string) {
    super(`${file ?? 'litmus'}:${pos.line}:${pos.col}: ${detail}`);
    this.name = 'LitmusError';
    this.pos = pos;
    this.file = file;
    this.detail = detail;
  }
}

export type Expr =
  | { readonly k: 'num'; readonly value: number; readonly pos: Pos }
  | { readonly k: 'name'; readonly name: string; readonly pos: Pos }
  | { readonly k: 'unary'; readonly op: '!' | '-' | '~' | '+'; readonly e: Expr; readonly pos: Pos }
  | { readonly k: 'binary'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr; readonly pos: Pos }
  | { readonly k: 'deref'; readonly e: Expr; readonly pos: Pos }
  | { readonly k: 'addr'; readonly e: Expr; readonly pos: Pos }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly pos: Pos };

export type BinaryOp =
  | '||'
  | '&&'
  | '|'
  | '^'
  | '&'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | '<<'
  | '>>'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

export type Stmt =
  | { readonly k: 'decl'; readonly name: string; readonly init?: Expr; readonly pos: Pos }
  | { readonly k: 'assign'; readonly target: Expr; readonly e: Expr; readonly pos: Pos }
  | { readonly k: 'expr'; readonly e: Expr; readonly pos: Pos }
  | {
      readonly k: 'if';
      readonly cond: Expr;
      readonly then: readonly Stmt[];
      readonly else?: readonly Stmt[];
      readonly pos: Pos;
    };

export interface Param {
  readonly name: string;
  readonly type: string;
  readonly pos: Pos;
}

export interface ThreadAst {
  readonly index: number;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  readonly pos: Pos;
}

/** An initial value: a number, or the address of a location. */
export type InitValue =
  | { readonly k: 'num'; readonly value: number }
  | { readonly k: 'addr'; readonly loc: string; readonly pos: Pos };

export interface InitAst {
  readonly name: string;
  readonly type: string;
  readonly value: InitValue;
  readonly pos: Pos;
}

/** A reference in the final condition: a thread's register or a location's final value. */
export type CondRef =
  | { readonly k: 'reg'; readonly thread: number; readonly name: string; readonly pos: Pos }
  | { readonly k: 'loc'; readonly name: string; readonly pos: Pos };

export type CondValue =
  | { readonly k: 'num'; readonly value: number }
  | { readonly k: 'addr'; readonly loc: string; readonly pos: Pos };

export type Prop =
  | { readonly k: 'and' | 'or'; readonly l: Prop; readonly r: Prop }
  | { readonly k: 'not'; readonly p: Prop }
  | { readonly k: 'const'; readonly value: boolean }
  | { readonly k: 'atom'; readonly ref: CondRef; readonly neq: boolean; readonly value: CondValue; readonly pos: Pos };

export type Quantifier = 'exists' | '~exists' | 'forall';

export type Observation = 'Never' | 'Sometimes' | 'Always';
export const OBSERVATIONS: readonly Observation[] = ['Never', 'Sometimes', 'Always'];

/** The results a test's header comment states: LKMM's (`Result:`), and optionally x86's and SC's. */
export interface StatedResults {
  readonly lkmm?: Observation;
  readonly tso?: Observation;
  readonly sc?: Observation;
  /**
   * Whether LKMM flags a data race (herd7's "Flag data-race"), from a `Flag: data-race` or
   * `Flag: none` line; judged against the relaxed model's data-race check.
   */
  readonly dataRace?: boolean;
}

export interface LitmusAst {
  readonly name: string;
  readonly file: string | undefined;
  readonly source: string;
  /** The header comment's text without the comment markers (empty when there is none). */
  readonly comment: string;
  readonly results: StatedResults;
  readonly init: readonly InitAst[];
  readonly threads: readonly ThreadAst[];
  readonly locations: readonly CondRef[];
  readonly filter?: Prop;
  readonly quantifier: Quantifier;
  readonly prop: Prop;
  /** The final condition as written (after the quantifier), for display. */
  readonly conditionText: string;
}

// ---- Lexer ----------------------------------------------------------------------------------------

type TokKind = 'ident' | 'num' | 'punct' | 'eof';

interface Tok {
  readonly kind: TokKind;
  readonly text: string;
  readonly pos: Pos;
  readonly offset: number;
  readonly end: number;
}

// Longest first: the lexer takes the first that matches.
const PUNCTS = [
  '/\\',
  '\\/',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '->',
  '++',
  '--',
  '+=',
  '-=',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  ':',
  '=',
  '*',
  '&',
  '|',
  '^',
  '!',
  '~',
  '<',
  '>',
  '+',
  '-',
  '/',
  '%',
  '?',
  '.',
] as const;

/**
 * Largest integer literal accepted: values at and above POINTER_BASE (compile.ts, 2^22) encode
 * addresses, and the engine's TSO store buffer holds 24-bit signed values.
 */
export const MAX_LITERAL = 2 ** 22 - 1;

class Lexer {
  readonly #src: string;
  readonly #file: string | undefined;
  #i = 0;
  #line = 1;
  #col = 1;
  /** herd's `(* … *)` comments are read only outside thread bodies, where C has none. */
  herdComments = true;
  #peeked: Tok | undefined;

  constructor(src: string, file: string | undefined) {
    this.#src = src;
    this.#file = file;
  }

  get offset(): number {
    return this.#peeked?.offset ?? this.#i;
  }

  pos(): Pos {
    return { line: this.#line, col: this.#col };
  }

  error(detail: string, pos: Pos): LitmusError {
    return new LitmusError(detail, pos, this.#file);
  }

  #advance(n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.#src[this.#i] === '\n') {
        this.#line++;
        this.#col = 1;
      } else this.#col++;
      this.#i++;
    }
  }

  #skip(): void {
    const s = this.#src;
    for (;;) {
      const c = s[this.#i];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.#advance(1);
      } else if (s.startsWith('//', this.#i)) {
        while (this.#i < s.length && s[this.#i] !== '\n') this.#advance(1);
      } else if (s.startsWith('/*', this.#i)) {
        const start = this.pos();
        const end = s.indexOf('*/', this.#i + 2);
        if (end < 0) throw this.error('unterminated /* comment', start);
        this.#advance(end + 2 - this.#i);
      } else if (this.herdComments && s.startsWith('(*', this.#i)) {
        const start = this.pos();
        const end = s.indexOf('*)', this.#i + 2);
        if (end < 0) throw this.error('unterminated (* comment', start);
        this.#advance(end + 2 - this.#i);
      } else return;
    }
  }

  peek(): Tok {
    if (this.#peeked) return this.#peeked;
    this.#skip();
    const s = this.#src;
    const pos = this.pos();
    const offset = this.#i;
    let tok: Tok;
    const c = s[this.#i];
    if (c === undefined) tok = { kind: 'eof', text: '', pos, offset, end: offset };
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.#i, this.#i + 256)) as RegExpExecArray;
      tok = { kind: 'ident', text: m[0], pos, offset, end: offset + m[0].length };
    } else if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[A-Za-z0-9_]*/.exec(s.slice(this.#i, this.#i + 64)) as RegExpExecArray;
      tok = { kind: 'num', text: m[0], pos, offset, end: offset + m[0].length };
    } else {
      const p = PUNCTS.find((q) => s.startsWith(q, this.#i));
      if (p === undefined) throw this.error(`unexpected character ${JSON.stringify(c)}`, pos);
      tok = { kind: 'punct', text: p, pos, offset, end: offset + p.length };
    }
    this.#peeked = tok;
    return tok;
  }

  next(): Tok {
    const t = this.peek();
    this.#peeked = undefined;
    this.#advance(t.end - this.#i);
    return t;
  }

  /** Re-reads the next token (after a change of comment mode). */
  unpeek(): void {
    this.#peeked = undefined;
  }

  /** The rest of the current line from the current position (for `C NAME`). */
  restOfLine(): { text: string; pos: Pos } {
    this.#peeked = undefined;
    while (this.#src[this.#i] === ' ' || this.#src[this.#i] === '\t') this.#advance(1);
    const pos = this.pos();
    const start = this.#i;
    while (this.#i < this.#src.length && this.#src[this.#i] !== '\n') this.#advance(1);
    return { text: this.#src.slice(start, this.#i).trim(), pos };
  }

  /** Skips whitespace only (not comments) and returns the header comment if one starts here. */
  headerComment(): { text: string; pos: Pos } | undefined {
    this.#peeked = undefined;
    const s = this.#src;
    while (/\s/.test(s[this.#i] ?? '')) this.#advance(1);
    if (!s.startsWith('(*', this.#i)) return undefined;
    const start = this.pos();
    const end = s.indexOf('*)', this.#i + 2);
    if (end < 0) throw this.error('unterminated (* comment', start);
    const text = s.slice(this.#i + 2, end);
    this.#advance(end + 2 - this.#i);
    return { text, pos: start };
  }

  slice(from: number, to: number): string {
    return this.#src.slice(from, to);
  }
}

// ---- Parser -----------------------------------------------------------------------------------------

const RESULT_LINE = /^\s*\*?\s*Result\s*(?:\(\s*([A-Za-z0-9-]+)\s*\))?\s*:\s*(\S+)/;
const FLAG_LINE = /^\s*\*?\s*Flag\s*:\s*(\S+)\s*$/;

/** Reads `Result: X` (LKMM) and `Result (tso): X`, `Result (sc): X` lines of the header comment. */
function statedResults(comment: string, pos: Pos, lexer: Lexer): StatedResults {
  const out: { lkmm?: Observation; tso?: Observation; sc?: Observation; dataRace?: boolean } = {};
  comment.split('\n').forEach((line, i) => {
    const linePos = { line: pos.line + i, col: 1 };
    const flag = FLAG_LINE.exec(line);
    if (flag) {
      if (flag[1] !== 'data-race' && flag[1] !== 'none') {
        throw lexer.error(`Flag line says ${JSON.stringify(flag[1])}: expected data-race or none`, linePos);
      }
      if (out.dataRace !== undefined) throw lexer.error('a second Flag line', linePos);
      out.dataRace = flag[1] === 'data-race';
      return;
    }
    const m = RESULT_LINE.exec(line);
    if (!m) return;
    const model = m[1]?.toLowerCase();
    const value = (m[2] as string).replace(/[.,;]$/, '');
    if (!(OBSERVATIONS as readonly string[]).includes(value)) {
      throw lexer.error(`Result line says ${JSON.stringify(value)}: expected Never, Sometimes or Always`, linePos);
    }
    const key = model === undefined ? 'lkmm' : model === 'tso' ? 'tso' : model === 'sc' ? 'sc' : undefined;
    if (key === undefined) {
      throw lexer.error(`Result (${m[1]}): unknown memory model (use "Result:" for LKMM, or "(tso)", "(sc)")`, linePos);
    }
    if (out[key] !== undefined) throw lexer.error(`a second Result line for ${key}`, linePos);
    out[key] = value as Observation;
  });
  return out;
}

/** The comment's prose: its lines without the leading ` * ` and without the Result lines. */
function commentProse(comment: string): string {
  return comment
    .split('\n')
    .filter((l) => !RESULT_LINE.test(l) && !FLAG_LINE.test(l))
    .map((l) => l.replace(/^\s*\*\s?/, '').trimEnd())
    .join('\n')
    .trim();
}

const BINARY_LEVELS: readonly (readonly BinaryOp[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

/** C type words a declaration may start with. */
const TYPE_WORDS = new Set([
  'int',
  'long',
  'unsigned',
  'signed',
  'short',
  'char',
  'atomic_t',
  'atomic_long_t',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  'uintptr_t',
  'intptr_t',
  'bool',
  'spinlock_t',
  'raw_spinlock_t',
  'struct',
  'const',
  'volatile',
]);

const KEYWORDS_UNSUPPORTED: Record<string, string> = {
  while: 'loops (while) are not supported: a litmus test is loop-free',
  for: 'loops (for) are not supported: a litmus test is loop-free',
  do: 'loops (do/while) are not supported: a litmus test is loop-free',
  goto: 'goto is not supported',
  switch: 'switch is not supported (use if/else)',
  return: 'return is not supported',
  break: 'break is not supported',
  continue: 'continue is not supported',
};

class Parser {
  readonly lx: Lexer;
  constructor(lx: Lexer) {
    this.lx = lx;
  }

  error(detail: string, pos: Pos): LitmusError {
    return this.lx.error(detail, pos);
  }

  expect(text: string, what = `"${text}"`): Tok {
    const t = this.lx.peek();
    if (t.text !== text || t.kind === 'eof') throw this.error(`expected ${what}, found ${describe(t)}`, t.pos);
    return this.lx.next();
  }

  accept(text: string): boolean {
    const t = this.lx.peek();
    if (t.kind !== 'eof' && t.text === text) {
      this.lx.next();
      return true;
    }
    return false;
  }

  ident(what: string): Tok {
    const t = this.lx.peek();
    if (t.kind !== 'ident') throw this.error(`expected ${what}, found ${describe(t)}`, t.pos);
    return this.lx.next();
  }

  number(t: Tok): number {
    const v = Number(t.text);
    if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t.text) || !Number.isSafeInteger(v)) {
      throw this.error(`bad integer literal ${JSON.stringify(t.text)}`, t.pos);
    }
    if (v > MAX_LITERAL) throw this.error(`integer ${t.text} is too large (at most ${MAX_LITERAL})`, t.pos);
    return v;
  }

  // -- type: type words, then stars; returns the text ------------------------------------------
  type(): string {
    const words: string[] = [];
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === 'ident' && TYPE_WORDS.has(t.text)) {
        words.push(this.lx.next().text);
        if (t.text === 'struct') words.push(this.ident('a struct name').text);
      } else break;
    }
    return words.join(' ');
  }

  stars(): string {
    let s = '';
    while (this.accept('*')) s += '*';
    return s;
  }

  // -- init block ----------------------------------------------------------------------------
  initBlock(): InitAst[] {
    this.expect('{', '"{" (the initial state)');
    const out: InitAst[] = [];
    while (!this.accept('}')) {
      if (this.accept(';')) continue;
      const t0 = this.lx.peek();
      if (t0.kind === 'num') {
        throw this.error('initial values of registers (P:reg=value) are not supported', t0.pos);
      }
      const type = this.type();
      const stars = this.stars();
      const nameTok = this.ident('a location name');
      let value: InitValue = { k: 'num', value: 0 };
      if (this.accept('=')) value = this.initValue();
      out.push({ name: nameTok.text, type: `${type}${stars ? ` ${stars}` : ''}`.trim(), value, pos: nameTok.pos });
      const t = this.lx.peek();
      if (t.text !== '}' && t.text !== ';') throw this.error(`expected ";" or "}", found ${describe(t)}`, t.pos);
    }
    return out;
  }

  initValue(): InitValue {
    const t = this.lx.peek();
    if (t.text === '&') {
      this.lx.next();
      const n = this.ident('a location name after "&"');
      return { k: 'addr', loc: n.text, pos: n.pos };
    }
    if (t.text === '-') {
      this.lx.next();
      return { k: 'num', value: -this.number(this.expectNum()) };
    }
    if (t.kind === 'num') return { k: 'num', value: this.number(this.lx.next()) };
    if (t.kind === 'ident') {
      this.lx.next();
      if (t.text === 'ATOMIC_INIT') {
        this.expect('(');
        const neg = this.accept('-');
        const v = this.number(this.expectNum());
        this.expect(')');
        return { k: 'num', value: neg ? -v : v };
      }
      // herd's `y=z;`: y holds the address of z.
      return { k: 'addr', loc: t.text, pos: t.pos };
    }
    throw this.error(`expected an initial value, found ${describe(t)}`, t.pos);
  }

  expectNum(): Tok {
    const t = this.lx.peek();
    if (t.kind !== 'num') throw this.error(`expected a number, found ${describe(t)}`, t.pos);
    return this.lx.next();
  }

  // -- threads --------------------------------------------------------------------------------
  thread(expectIndex: number): ThreadAst {
    const t = this.lx.next();
    const m = /^P([0-9]+)$/.exec(t.text);
    if (!m) throw this.error(`expected a thread P${expectIndex}, found ${describe(t)}`, t.pos);
    const index = Number(m[1]);
    if (index !== expectIndex) throw this.error(`thread ${t.text} out of order: expected P${expectIndex}`, t.pos);
    this.lx.herdComments = false;
    this.lx.unpeek();
    this.expect('(');
    const params: Param[] = [];
    if (!this.accept(')')) {
      do {
        const p = this.lx.peek();
        const type = this.type();
        const stars = this.stars();
        if (type === '') throw this.error(`expected a parameter type such as "int *", found ${describe(p)}`, p.pos);
        const n = this.ident('a parameter name');
        if (params.some((q) => q.name === n.text)) throw this.error(`duplicate parameter ${n.text}`, n.pos);
        params.push({ name: n.text, type: `${type} ${stars}`.trim(), pos: n.pos });
      } while (this.accept(','));
      this.expect(')', '"," or ")"');
    }
    const body = this.block();
    this.lx.herdComments = true;
    this.lx.unpeek();
    return { index, params, body, pos: t.pos };
  }

  block(): Stmt[] {
    this.expect('{');
    const out: Stmt[] = [];
    while (!this.accept('}')) {
      if (this.lx.peek().kind === 'eof') throw this.error('unterminated block: expected "}"', this.lx.peek().pos);
      out.push(...this.statement());
    }
    return out;
  }

  statement(): Stmt[] {
    const t = this.lx.peek();
    if (t.text === ';' && t.kind === 'punct') {
      this.lx.next();
      return [];
    }
    if (t.text === '{' && t.kind === 'punct') return this.block();
    if (t.kind === 'ident') {
      const why = KEYWORDS_UNSUPPORTED[t.text];
      if (why !== undefined) throw this.error(why, t.pos);
      if (t.text === 'if') return [this.ifStatement()];
      if (t.text === 'else') throw this.error('"else" without "if"', t.pos);
      if (TYPE_WORDS.has(t.text)) return this.declaration();
    }
    const e = this.expr();
    let stmt: Stmt;
    const op = this.lx.peek();
    if (op.text === '=' && op.kind === 'punct') {
      this.lx.next();
      stmt = { k: 'assign', target: e, e: this.expr(), pos: op.pos };
    } else if (['+=', '-=', '++', '--'].includes(op.text) && op.kind === 'punct') {
      throw this.error(`"${op.text}" is not supported: write r = r + …`, op.pos);
    } else stmt = { k: 'expr', e, pos: t.pos };
    this.expect(';', '";"');
    return [stmt];
  }

  declaration(): Stmt[] {
    const type = this.type();
    const out: Stmt[] = [];
    do {
      const stars = this.stars();
      const n = this.ident('a register name');
      if (type.includes('atomic') || type.includes('spinlock') || type.startsWith('struct')) {
        throw this.error(`a local ${type}${stars} is not supported: shared variables are thread parameters`, n.pos);
      }
      if (this.accept('=')) out.push({ k: 'decl', name: n.text, init: this.expr(), pos: n.pos });
      else out.push({ k: 'decl', name: n.text, pos: n.pos });
    } while (this.accept(','));
    this.expect(';', '";"');
    return out;
  }

  ifStatement(): Stmt {
    const t = this.lx.next();
    this.expect('(', '"(" after if');
    const cond = this.expr();
    this.expect(')', '")" closing the if condition');
    const then = this.statement();
    if (this.lx.peek().text === 'else' && this.lx.peek().kind === 'ident') {
      this.lx.next();
      return { k: 'if', cond, then, else: this.statement(), pos: t.pos };
    }
    return { k: 'if', cond, then, pos: t.pos };
  }

  expr(level = 0): Expr {
    if (level === BINARY_LEVELS.length) return this.unary();
    let l = this.expr(level + 1);
    const ops = BINARY_LEVELS[level] as readonly BinaryOp[];
    for (;;) {
      const t = this.lx.peek();
      if (t.kind !== 'punct' || !(ops as readonly string[]).includes(t.text)) break;
      this.lx.next();
      const r = this.expr(level + 1);
      l = { k: 'binary', op: t.text as BinaryOp, l, r, pos: t.pos };
    }
    if (level === 0 && this.lx.peek().text === '?') {
      throw this.error('the conditional operator ?: is not supported (use if/else)', this.lx.peek().pos);
    }
    return l;
  }

  unary(): Expr {
    const t = this.lx.peek();
    if (t.kind === 'punct') {
      if (t.text === '!' || t.text === '-' || t.text === '~' || t.text === '+') {
        this.lx.next();
        return { k: 'unary', op: t.text, e: this.unary(), pos: t.pos };
      }
      if (t.text === '*') {
        this.lx.next();
        return { k: 'deref', e: this.unary(), pos: t.pos };
      }
      if (t.text === '&') {
        this.lx.next();
        return { k: 'addr', e: this.unary(), pos: t.pos };
      }
      if (t.text === '++' || t.text === '--') throw this.error(`"${t.text}" is not supported`, t.pos);
    }
    return this.postfix(this.primary());
  }

  postfix(e: Expr): Expr {
    const t = this.lx.peek();
    if (t.kind === 'punct' && (t.text === '->' || t.text === '.' || t.text === '[')) {
      throw this.error(`"${t.text}": structures and arrays are not supported`, t.pos);
    }
    return e;
  }

  primary(): Expr {
    const t = this.lx.next();
    if (t.kind === 'num') return { k: 'num', value: this.number(t), pos: t.pos };
    if (t.kind === 'ident') {
      if (this.lx.peek().text === '(' && this.lx.peek().kind === 'punct') {
        this.lx.next();
        const args: Expr[] = [];
        if (!this.accept(')')) {
          do args.push(this.expr());
          while (this.accept(','));
          this.expect(')', '"," or ")"');
        }
        return { k: 'call', name: t.text, args, pos: t.pos };
      }
      return { k: 'name', name: t.text, pos: t.pos };
    }
    if (t.kind === 'punct' && t.text === '(') {
      // A cast such as (void) or (int): drop it; the value is unchanged for our purposes.
      const n = this.lx.peek();
      if (n.kind === 'ident' && (n.text === 'void' || TYPE_WORDS.has(n.text))) {
        this.lx.next();
        const type = n.text === 'void' ? 'void' : this.typeRest(n.text);
        this.stars();
        this.expect(')', `")" closing the (${type}) cast`);
        return this.unary();
      }
      const e = this.expr();
      this.expect(')', '")"');
      return e;
    }
    throw this.error(`expected an expression, found ${describe(t)}`, t.pos);
  }

  typeRest(first: string): string {
    const more = this.type();
    return more ? `${first} ${more}` : first;
  }

  // -- final condition --------------------------------------------------------------------------
  prop(): Prop {
    let l = this.propAnd();
    while (this.accept('\\/')) l = { k: 'or', l, r: this.propAnd() };
    return l;
  }

  propAnd(): Prop {
    let l = this.propNot();
    while (this.accept('/\\')) l = { k: 'and', l, r: this.propNot() };
    return l;
  }

  propNot(): Prop {
    if (this.accept('~')) return { k: 'not', p: this.propNot() };
    const t = this.lx.peek();
    if (t.kind === 'ident' && t.text === 'not') {
      this.lx.next();
      return { k: 'not', p: this.propNot() };
    }
    if (this.accept('(')) {
      const p = this.prop();
      this.expect(')', '")" in the condition');
      return p;
    }
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) {
      this.lx.next();
      return { k: 'const', value: t.text === 'true' };
    }
    const ref = this.condRef();
    const op = this.lx.peek();
    let neq = false;
    if (op.text === '!=') neq = true;
    else if (op.text !== '=') throw this.error(`expected "=" or "!=" in the condition, found ${describe(op)}`, op.pos);
    this.lx.next();
    const v = this.lx.peek();
    let value: CondValue;
    if (v.kind === 'num') value = { k: 'num', value: this.number(this.lx.next()) };
    else if (v.text === '-') {
      this.lx.next();
      value = { k: 'num', value: -this.number(this.expectNum()) };
    } else if (v.kind === 'ident') {
      this.lx.next();
      value = { k: 'addr', loc: v.text, pos: v.pos };
    } else if (v.text === '&') {
      this.lx.next();
      const n = this.ident('a location name');
      value = { k: 'addr', loc: n.text, pos: n.pos };
    } else throw this.error(`expected a value in the condition, found ${describe(v)}`, v.pos);
    return { k: 'atom', ref, neq, value, pos: op.pos };
  }

  condRef(): CondRef {
    const t = this.lx.peek();
    if (t.kind === 'num') {
      this.lx.next();
      const thread = this.number(t);
      this.expect(':', '":" after the thread number');
      const n = this.ident('a register name');
      return { k: 'reg', thread, name: n.text, pos: t.pos };
    }
    if (t.text === '[') {
      this.lx.next();
      const n = this.ident('a location name');
      this.expect(']');
      return { k: 'loc', name: n.text, pos: n.pos };
    }
    if (t.text === '*') {
      this.lx.next();
      const n = this.ident('a location name');
      return { k: 'loc', name: n.text, pos: n.pos };
    }
    if (t.kind === 'ident') {
      this.lx.next();
      return { k: 'loc', name: t.text, pos: t.pos };
    }
    throw this.error(`expected a register (0:r0) or a location in the condition, found ${describe(t)}`, t.pos);
  }

  locationsClause(): CondRef[] {
    this.expect('[');
    const out: CondRef[] = [];
    while (!this.accept(']')) {
      if (this.accept(';')) continue;
      out.push(this.condRef());
    }
    return out;
  }
}

function describe(t: Tok): string {
  if (t.kind === 'eof') return 'the end of the file';
  return JSON.stringify(t.text);
}

/** Parses a C litmus test. Throws LitmusError with the line and column of the first problem. */
export function parseLitmus(source: string, file?: string): LitmusAst {
  const lx = new Lexer(source, file);
  const p = new Parser(lx);
  const c = lx.peek();
  if (c.kind !== 'ident' || c.text !== 'C') {
    throw lx.error(
      `expected "C NAME" on the first line (only C litmus tests are supported), found ${describe(c)}`,
      c.pos,
    );
  }
  lx.next();
  const { text: name, pos: namePos } = lx.restOfLine();
  if (name === '' || /\s/.test(name)) throw lx.error('expected one test name after "C"', namePos);
  const header = lx.headerComment();
  const comment = header === undefined ? '' : commentProse(header.text);
  const results = header === undefined ? {} : statedResults(header.text, header.pos, lx);
  const init = p.initBlock();
  const threads: ThreadAst[] = [];
  for (;;) {
    const t = lx.peek();
    if (t.kind === 'ident' && /^P[0-9]+$/.test(t.text)) threads.push(p.thread(threads.length));
    else break;
  }
  if (threads.length === 0)
    throw lx.error(`expected a thread P0(…) { … }, found ${describe(lx.peek())}`, lx.peek().pos);
  let locations: CondRef[] = [];
  let filter: Prop | undefined;
  let quantifier: Quantifier | undefined;
  let prop: Prop | undefined;
  let conditionText = '';
  while (quantifier === undefined) {
    const t = lx.peek();
    if (t.kind === 'ident' && t.text === 'locations') {
      lx.next();
      locations = p.locationsClause();
    } else if (t.kind === 'ident' && t.text === 'filter') {
      lx.next();
      if (filter !== undefined) throw lx.error('a second filter clause', t.pos);
      filter = p.prop();
    } else if (t.kind === 'ident' && (t.text === 'exists' || t.text === 'forall')) {
      lx.next();
      quantifier = t.text;
    } else if (t.text === '~' && t.kind === 'punct') {
      lx.next();
      const e = lx.peek();
      if (e.text !== 'exists') throw lx.error(`expected "exists" after "~", found ${describe(e)}`, e.pos);
      lx.next();
      quantifier = '~exists';
    } else if (t.kind === 'eof') {
      throw lx.error('expected the final condition: exists, ~exists or forall', t.pos);
    } else {
      throw lx.error(`expected a thread, locations, filter, exists, ~exists or forall, found ${describe(t)}`, t.pos);
    }
    if (quantifier !== undefined) {
      const from = lx.offset;
      prop = p.prop();
      conditionText = lx
        .slice(from, lx.peek().offset)
        .replace(/\(\*[\s\S]*?\*\)/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    }
  }
  const end = lx.peek();
  if (end.kind !== 'eof') throw lx.error(`unexpected ${describe(end)} after the final condition`, end.pos);
  return {
    name,
    file,
    source,
    comment,
    results,
    init,
    threads,
    locations,
    ...(filter === undefined ? {} : { filter }),
    quantifier,
    prop: prop as Prop,
    conditionText,
  };
}
