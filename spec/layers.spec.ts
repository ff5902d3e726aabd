/**
 * The dependency picture docs/architecture.md draws, checked against the
 * imports of lib/: every file belongs to a layer of the picture, imports only
 * from its own layer and the layers before it (no upward import), and no
 * files import each other in a cycle. Type-only imports count: a cycle of
 * types is still a cycle for a reader.
 *
 * The picture is the fenced `text` block after the heading "Layers" in the
 * architecture page: layer names separated by `→`, bottom first; names
 * separated by `,` share a rank (neither may import the other). A layer is a
 * folder under lib/, or a file at lib/'s root named without `.ts`.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const lib = join(root, 'lib');

/** Layer name → rank, read from the picture in docs/architecture.md. */
function picture(): Map<string, number> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const m = /^#+ Layers[^\n]*\n[\s\S]*?```text\n([\s\S]*?)```/m.exec(doc);
  if (!m) throw new Error('docs/architecture.md: no ```text block after a "Layers" heading');
  const ranks = new Map<string, number>();
  const line = m[1]!.split('\n').map((l) => l.trim()).find((l) => l.includes('→'));
  if (!line) throw new Error('docs/architecture.md: the Layers block has no line of layers joined by →');
  line.split('→').forEach((group, rank) => {
    for (const name of group.split(',')) ranks.set(name.trim(), rank);
  });
  return ranks;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The layer a lib file belongs to: its folder under lib/, or its own name at the root. */
const layerOf = (file: string): string => {
  const parts = relative(lib, file).split(/[\\/]/);
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
};

/** The lib files a file imports (static, type-only and dynamic imports, re-exports). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); c.push(relative(root, w)); } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layers (docs/architecture.md)', () => {
  const ranks = picture();
  const files = sources(lib);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('places every lib file in a layer of the picture', () => {
    const missing = files.filter((f) => !ranks.has(layerOf(f))).map((f) => relative(root, f));
    expect(missing, 'files whose layer the picture does not name').to.deep.equal([]);
  });

  it('has no upward import and no import across layers of one rank', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = layerOf(f), r = ranks.get(from)!;
      for (const d of deps) {
        const to = layerOf(d), s = ranks.get(to)!;
        if (s > r || (s === r && to !== from)) bad.push(`${relative(root, f)} → ${relative(root, d)} (${from} → ${to})`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).to.deep.equal([]);
  });

  it('checks a picture that would catch a violation', () => {
    // the rule above, applied to an invented upward import, must object
    const tape = ranks.get('tape'), transforms = ranks.get('transforms');
    expect(tape, 'tape is a layer').to.be.a('number');
    expect(transforms!, 'transforms sits above tape').to.be.greaterThan(tape!);
    expect(cycles(new Map([['a', ['b']], ['b', ['a']]]))).to.have.length(1);
  });
});
