/**
 * Quoting lib/ in the prose: the text is read from the file when the notebook
 * is rendered, so a notebook can never show code the library no longer has.
 * A quote names a file and a symbol, never lines, so an edit elsewhere in the
 * file changes nothing on the page:
 *
 *   quote(root, 'lib/tape/kernels.ts', 'runReverse')        a declaration, with the comments above it
 *   quote(root, 'lib/numbers/dual.ts', 'Dual.unaryOp')      a member: of a class, an interface, or an
 *   quote(root, 'lib/rules/unary.ts', 'unaryRules.sin')     object literal a const is initialised with
 *   quote(root, 'lib/numbers/dual.ts', 'unaryOp')           a bare member name, when it names one thing
 *   quote(root, 'lib/tape/kernels.ts', '#header')           the file's opening doc comment
 *   quote(root, 'lib/numbers/dual.ts')                      the whole file
 *
 * Declarations are found with the TypeScript compiler's parser: functions
 * (all overloads), classes, interfaces, type aliases, enums, consts (the whole
 * `export const …` statement) and their members, at any depth of nesting
 * except inside function bodies. A quote takes whole lines, from the first
 * comment attached to the declaration (no blank line between) to the line the
 * declaration ends on.
 */
import { existsSync, readFileSync } from 'node:fs';
import ts from 'typescript';

/** The quoted text as a Markdown block: a caption naming file and symbol, then a ```ts fence. */
export function quote(root: string, file: string, what: string | undefined, where: string): string {
  if (!/^(lib|scripts|spec)\/[\w./-]+\.ts$/.test(file) || file.includes('..')) {
    throw new Error(`${where}: quote: '${file}' is not a .ts file under lib/, scripts/ or spec/`);
  }
  if (!existsSync(`${root}/${file}`)) {
    throw new Error(`${where}: quote: ${file} does not exist (moved or renamed? point the quote at the file that now declares ${what ?? 'it'})`);
  }
  const text = readFileSync(`${root}/${file}`, 'utf8').replace(/\r\n?/g, '\n').replace(/\n$/, '');
  const lines = text.split('\n');
  if (what === undefined) return block(`*\`${file}\`:*`, lines);
  if (what === '#header') {
    if (!lines[0]?.startsWith('/**')) throw new Error(`${where}: quote ${file} #header: the file does not open with a /** doc comment */`);
    return block(`*\`${file}\`, its header:*`, lines.slice(0, lines.findIndex((l) => l.trim().endsWith('*/')) + 1));
  }
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(what)) {
    throw new Error(`${where}: quote ${file} ${what}: name a declaration (name or Outer.member), #header, or nothing for the whole file`);
  }
  const found = find(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true), what, `${where}: quote ${file} ${what}`);
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length - 1;
  return block(`*\`${file}\`, \`${found.name}\`:*`, lines.slice(lineOf(found.start), lineOf(found.end) + 1));
}

function block(caption: string, lines: readonly string[]): string {
  return [caption, '', '```ts', dedent(lines), '```'].join('\n');
}

interface Declaration { name: string; start: number; end: number }

/** The declaration `what` names: a qualified name exactly, or a bare name that matches one declaration's last part. */
function find(source: ts.SourceFile, what: string, where: string): Declaration {
  const all = declarations(source);
  const exact = all.get(what);
  if (exact) return exact;
  const byLast = [...all.values()].filter((d) => d.name.endsWith(`.${what}`));
  if (byLast.length === 1) return byLast[0]!;
  if (byLast.length > 1) throw new Error(`${where}: '${what}' is ambiguous here; name one of ${byLast.map((d) => d.name).join(', ')}`);
  const top = [...all.keys()].filter((k) => !k.includes('.'));
  throw new Error(`${where}: the file declares no '${what}' (moved or renamed? its top-level declarations: ${top.join(', ') || 'none'})`);
}

/** Every quotable declaration of the file by qualified name; overloads and repeats merge into one range. */
function declarations(source: ts.SourceFile): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  const add = (name: string, node: ts.Node) => {
    const start = attachedStart(source, node), end = node.getEnd(), had = out.get(name);
    out.set(name, had ? { name, start: Math.min(had.start, start), end: Math.max(had.end, end) } : { name, start, end });
  };
  const nameOf = (node: ts.Node): string | undefined => {
    const n = (node as { name?: ts.Node }).name;
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    return n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined;
  };
  // members of a class, an interface or an object literal, under `prefix`
  const members = (prefix: string, list: readonly ts.Node[]) => {
    for (const m of list) {
      const name = nameOf(m);
      if (name === undefined) continue;
      add(`${prefix}.${name}`, m);
      const init = ts.isPropertyAssignment(m) || ts.isPropertyDeclaration(m) ? objectOf(m.initializer) : undefined;
      if (init) members(`${prefix}.${name}`, init.properties);
    }
  };
  for (const s of source.statements) {
    if (ts.isVariableStatement(s)) {
      const decls = s.declarationList.declarations;
      for (const d of decls) {
        if (!ts.isIdentifier(d.name)) continue;
        add(d.name.text, decls.length === 1 ? s : d);
        const init = objectOf(d.initializer);
        if (init) members(d.name.text, init.properties);
      }
      continue;
    }
    const name = nameOf(s);
    if (name === undefined) continue;
    if (ts.isFunctionDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s)) add(name, s);
    else if (ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s)) { add(name, s); members(name, s.members); }
  }
  return out;
}

/** The object literal an initializer is, through `as`, `satisfies` and parentheses. */
function objectOf(e: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  while (e && (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e))) e = e.expression;
  return e && ts.isObjectLiteralExpression(e) ? e : undefined;
}

/** Where a declaration's quote starts: the first of the comments directly above it (no blank line between). */
function attachedStart(source: ts.SourceFile, node: ts.Node): number {
  const text = source.getFullText();
  let start = node.getStart(source);
  const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  for (let k = comments.length - 1; k >= 0; k--) {
    const c = comments[k]!;
    if (/\n[ \t]*\n/.test(text.slice(c.end, start))) break;
    start = c.pos;
  }
  return start;
}

/** Removes the indentation common to every non-blank line. */
function dedent(lines: readonly string[]): string {
  const pad = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => l.slice(pad)).join('\n');
}
