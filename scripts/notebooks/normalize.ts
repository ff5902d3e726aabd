/**
 * What the freshness check compares. Everything a notebook shows is
 * deterministic except the outputs of cells flagged `volatile` (measured
 * times): those are compared by their kinds (stream, table, plot), not their
 * text. Both the renderer (which keeps a committed file when only volatile
 * outputs changed, so re-rendering does not churn git) and the spec use this.
 */

interface JsonOutput { output_type: string; name?: string; data?: Record<string, unknown> }
interface JsonCell { metadata?: { tags?: string[] }; outputs?: JsonOutput[] }

/** The .ipynb text with volatile cells' outputs reduced to their kinds. */
export function normalizeIpynb(text: string): string {
  const nb = JSON.parse(text) as { cells: JsonCell[] };
  for (const c of nb.cells) {
    if (!c.metadata?.tags?.includes('volatile') || !c.outputs) continue;
    c.outputs = c.outputs.map((o) => ({ output_type: o.output_type, name: o.name, data: Object.keys(o.data ?? {}) }) as unknown as JsonOutput);
  }
  return JSON.stringify(nb, null, 1);
}

/** The page with the text between <!--volatile--> markers left out. */
export function normalizeHtml(text: string): string {
  return text.replace(/<!--volatile-->[\s\S]*?<!--\/volatile-->/g, '<!--volatile-->');
}

/** Normalized form of a rendered file, by its extension. */
export function normalize(file: string, text: string): string {
  return file.endsWith('.ipynb') ? normalizeIpynb(text) : file.endsWith('.html') ? normalizeHtml(text) : text;
}
