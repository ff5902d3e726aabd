/**
 * Math in the notebooks' prose: `$…$` inline and `$$…$$` on lines of their
 * own, as Jupyter reads them (its front ends typeset them with MathJax). The
 * HTML pages get MathML at build time, from temml, so they stay static
 * pages with no script; Chromium draws MathML itself.
 *
 * An inline formula opens with a `$` not followed by a space and closes with
 * the next `$` not preceded by one, and holds no backtick (so "costs $5 and
 * $6" stays text, and so does `$x$` inside a code span).
 */
import type MarkdownIt from 'markdown-it';
type Md = InstanceType<typeof MarkdownIt>;
import temml from 'temml';

const render = (tex: string, displayMode: boolean) => temml.renderToString(tex, { displayMode, throwOnError: true, xml: false });

/** Installs the `$…$` and `$$…$$` rules into a markdown-it instance. */
export function mathPlugin(md: Md): void {
  md.inline.ruler.after('escape', 'math_inline', (state, silent) => {
    const src = state.src, start = state.pos;
    if (src[start] !== '$' || src[start + 1] === '$' || /\s/.test(src[start + 1] ?? ' ')) return false;
    let end = start + 1;
    while ((end = src.indexOf('$', end)) >= 0 && (/\s/.test(src[end - 1]!) || src[end - 1] === '\\')) end++;
    if (end < 0 || end === start + 1 || src.slice(start, end).includes('`')) return false;
    if (!silent) state.push('math_inline', 'math', 0).content = src.slice(start + 1, end);
    state.pos = end + 1;
    return true;
  });
  md.block.ruler.before('fence', 'math_block', (state, startLine, endLine, silent) => {
    const line = (i: number) => state.src.slice(state.bMarks[i]! + state.tShift[i]!, state.eMarks[i]).trim();
    if (!line(startLine).startsWith('$$')) return false;
    let last = startLine, text = line(startLine).slice(2);
    while (!text.trimEnd().endsWith('$$') || (last === startLine && text.trim() === '')) {
      if (++last >= endLine) return false;
      text += '\n' + line(last);
    }
    if (silent) return true;
    state.push('math_block', 'math', 0).content = text.trimEnd().slice(0, -2).trim();
    state.line = last + 1;
    return true;
  });
  md.renderer.rules.math_inline = (tokens, i) => render(tokens[i]!.content, false);
  md.renderer.rules.math_block = (tokens, i) => `<p class="math">${render(tokens[i]!.content, true)}</p>\n`;
}
