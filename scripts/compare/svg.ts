/**
 * docs/comparison.svg: sweep time against n, log–log, one panel per workload,
 * one line per method (hand-written SVG: no plotting dependency at run time).
 */
import { METHODS, METHOD_LABEL, type MethodId, type WorkloadId } from './cases.js';
import type { Row } from './measure.js';

const COLORS: Record<MethodId, string> = {
  'hessian': '#444444', 'hvp-1': '#1f77b4', 'hvp-K': '#6baed6', 'hyperdual-1': '#d62728', 'hyperdual-K': '#ff9896', 'directional': '#2ca02c',
  'sparse': '#9467bd', 'auto': '#ff7f0e',
};
/** 'auto' runs the same sweeps as one of the others: dashed, so the line under it stays visible */
const DASH: Partial<Record<MethodId, string>> = { 'auto': ' stroke-dasharray="6 4"' };

/** time (sweep ms) against n, log–log, one panel per workload, one line per method */
export function svg(rows: Row[], workloads: WorkloadId[]): string {
  const W = 420, H = 320, ml = 60, mr = 20, mt = 30, mb = 45, pw = W - ml - mr, ph = H - mt - mb;
  const parts: string[] = [];
  const legendH = 20 * Math.ceil(METHODS.length / 2) + 10;
  const totalW = W * workloads.length, totalH = H + legendH;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${totalW}" height="${totalH}" fill="white"/>`);
  workloads.forEach((wid, p) => {
    const rs = rows.filter((r) => r.workload === wid && r.sweepMs !== undefined);
    if (rs.length === 0) return;
    const ox = p * W;
    const lx = (n: number) => Math.log10(n), ly = (t: number) => Math.log10(Math.max(t, 1e-4));
    const x0 = Math.floor(Math.min(...rs.map((r) => lx(r.n)))), x1 = Math.ceil(Math.max(...rs.map((r) => lx(r.n))));
    const y0 = Math.floor(Math.min(...rs.map((r) => ly(r.sweepMs!)))), y1 = Math.ceil(Math.max(...rs.map((r) => ly(r.sweepMs!))));
    const sx = (n: number) => ox + ml + ((lx(n) - x0) / Math.max(x1 - x0, 1)) * pw;
    const sy = (t: number) => mt + ph - ((ly(t) - y0) / Math.max(y1 - y0, 1)) * ph;
    parts.push(`<text x="${ox + ml + pw / 2}" y="18" text-anchor="middle" font-size="13">${rs[0]!.name}: Hessian diagonal, sweep time</text>`);
    parts.push(`<rect x="${ox + ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (let e = x0; e <= x1; e++) {
      const X = sx(10 ** e);
      parts.push(`<line x1="${X}" y1="${mt}" x2="${X}" y2="${mt + ph}" stroke="#eee"/><text x="${X}" y="${mt + ph + 15}" text-anchor="middle">10^${e}</text>`);
    }
    for (let e = y0; e <= y1; e++) {
      const Y = sy(10 ** e);
      parts.push(`<line x1="${ox + ml}" y1="${Y}" x2="${ox + ml + pw}" y2="${Y}" stroke="#eee"/><text x="${ox + ml - 5}" y="${Y + 4}" text-anchor="end">10^${e}</text>`);
    }
    parts.push(`<text x="${ox + ml + pw / 2}" y="${mt + ph + 32}" text-anchor="middle">n</text>`);
    parts.push(`<text x="${ox + 14}" y="${mt + ph / 2}" text-anchor="middle" transform="rotate(-90 ${ox + 14} ${mt + ph / 2})">ms</text>`);
    for (const m of METHODS) {
      const pts = rs.filter((r) => r.method === m).sort((a, b) => a.n - b.n);
      if (pts.length === 0) continue;
      const xy = pts.map((r) => `${sx(r.n).toFixed(1)},${sy(r.sweepMs!).toFixed(1)}`);
      parts.push(`<polyline points="${xy.join(' ')}" fill="none" stroke="${COLORS[m]}" stroke-width="2"${DASH[m] ?? ''}/>`);
      for (const q of xy) { const [a, b] = q.split(','); parts.push(`<circle cx="${a}" cy="${b}" r="3" fill="${COLORS[m]}"/>`); }
    }
  });
  METHODS.forEach((m, i) => {
    const x = 20 + (i % 2) * 420, y = H + 10 + Math.floor(i / 2) * 20;
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${COLORS[m]}" stroke-width="2"${DASH[m] ?? ''}/><text x="${x + 30}" y="${y + 4}">${m}: ${METHOD_LABEL[m]}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
