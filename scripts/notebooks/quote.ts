/**
 * Quoting lib/ in the prose: the text is read from the file when the notebook
 * is rendered, so a notebook can never show code the library no longer has.
 *
 *   quote(root, 'lib/tape/kernels.ts', 'runReverse')   one declaration, with its doc comment
 *   quote(root, 'lib/tape/kernels.ts', '#header')      the file's opening doc comment
 *   quote(root, 'lib/tape/kernels.ts', '#L1-L14')      a line range
 *   quote(root, 'lib/numbers/dual.ts')                 the whole file
 *
 * A declaration runs from its line (`export function name`, `class name`,
 * `const name`, an object key `name:`) to the first line that closes it at
 * the same indentation, or to its own line when it ends there.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The quoted text as a Markdown block: a caption naming file and lines, then a ```ts fence. */
export function quote(root: string, file: string, what: string | undefined, where: string): string {
  if (!/^(lib|scripts|spec)\/[\w./-]+\.ts$/.test(file) || file.includes('..')) {
    throw new Error(`${where}: quote: '${file}' is not a .ts file under lib/, scripts/ or spec/`);
  }
  if (!existsSync(`${root}/${file}`)) throw new Error(`${where}: quote: ${file} does not exist`);
  const lines = readFileSync(`${root}/${file}`, 'utf8').replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const [lo, hi] = what === undefined ? [0, lines.length - 1] : range(lines, what, `${where}: quote ${file} ${what}`);
  const text = dedent(lines.slice(lo, hi + 1));
  const span = lo === hi ? `line ${lo + 1}` : `lines ${lo + 1}–${hi + 1}`;
  return [`*\`${file}\`, ${span}:*`, '', '```ts', text, '```'].join('\n');
}

function range(lines: readonly string[], what: string, where: string): [number, number] {
  if (what === '#header') {
    if (!lines[0]?.startsWith('/**')) throw new Error(`${where}: the file does not open with a /** doc comment */`);
    const end = lines.findIndex((l) => l.trim().endsWith('*/'));
    return [0, end];
  }
  const m = /^#L(\d+)(?:-L(\d+))?$/.exec(what);
  if (m) {
    const lo = Number(m[1]) - 1, hi = Number(m[2] ?? m[1]) - 1;
    if (lo < 0 || hi < lo || hi >= lines.length) throw new Error(`${where}: the file has ${lines.length} lines`);
    return [lo, hi];
  }
  if (!/^[A-Za-z_$][\w$]*$/.test(what)) throw new Error(`${where}: name a declaration, #header or a line range #L10-L20`);
  const decl = new RegExp(
    `^(\\s*)(?:export\\s+)?(?:(?:default|declare|abstract|async|const|let|var|function\\*?|class|interface|type|enum)\\s+)*${what}\\b|^(\\s*)${what}\\s*[:(]`,
  );
  const start = lines.findIndex((l) => decl.test(l));
  if (start < 0) throw new Error(`${where}: no declaration of '${what}' found`);
  const indent = /^\s*/.exec(lines[start]!)![0];
  // the declaration's own doc comment, directly above it
  let lo = start;
  if (lines[lo - 1]?.trim().endsWith('*/')) {
    while (lo > 0 && !lines[lo - 1]!.trim().startsWith('/**')) lo--;
    lo--;
  }
  // a one-line declaration ends on its own line; otherwise where its brackets balance again,
  // on a line that starts with a closing bracket at the declaration's indentation
  const opens = (l: string) => (l.match(/[{([]/g) ?? []).length - (l.match(/[})\]]/g) ?? []).length;
  let depth = opens(lines[start]!);
  if (depth <= 0 && /[;,]\s*$/.test(lines[start]!)) return [lo, start];
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    depth += opens(l);
    if (depth <= 0 && l.startsWith(indent) && /^[})\]]/.test(l.slice(indent.length))) return [lo, i];
  }
  throw new Error(`${where}: the declaration of '${what}' never closes`);
}

/** Removes the indentation common to every non-blank line. */
function dedent(lines: readonly string[]): string {
  const pad = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => l.slice(pad)).join('\n');
}
