/**
 * The notebooks re-run in Jupyter (issue 16): `npm run notebooks:kernel`
 * writes a kernelspec; the kernel it names (tslab, from npm) is started from
 * that kernelspec and driven over the Jupyter messaging protocol (ZeroMQ, from
 * npm; no Python), one fresh kernel per notebook as "Restart and run all"
 * would, two at a time; every committed .ipynb runs top to bottom and each cell's outputs
 * equal the committed ones (those of volatile cells, timings, by kind only).
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, COMMITTED, HELPER_FILE, ROOT } from '../scripts/notebooks/render.js';
import { KERNEL_NAME, KernelClient, installKernel, type KernelOutput, type KernelSpec } from '../scripts/notebooks/kernel.js';

const WORK = join(BUILD_DIR, 'notebooks-kernel');

interface IpynbCell { cell_type: string; source: string[]; metadata: { tags?: string[] }; outputs?: { output_type: string; name?: string; text?: string[]; data?: Record<string, string[]> }[] }

/** A committed output in the kernel's form (multiline strings joined). */
function committed(o: NonNullable<IpynbCell['outputs']>[number]): KernelOutput {
  if (o.output_type === 'stream') return { output_type: 'stream', name: o.name!, text: o.text!.join('') };
  return { output_type: o.output_type as 'display_data', data: Object.fromEntries(Object.entries(o.data!).map(([k, v]) => [k, v.join('')])) };
}

/** What a volatile cell's output is compared by: its kind. */
const kind = (o: KernelOutput) => ({ output_type: o.output_type, name: 'name' in o ? o.name : undefined, data: 'data' in o ? Object.keys(o.data).sort() : undefined });

interface CellRun { where: string; status: string; volatile: boolean; got: KernelOutput[]; want: KernelOutput[] }

/** Runs a committed notebook's cells in a fresh kernel, stopping at the first that fails. */
async function runInKernel(spec: KernelSpec, file: string): Promise<CellRun[]> {
  const nb = JSON.parse(readFileSync(join(COMMITTED, file), 'utf8')) as { cells: IpynbCell[] };
  const cells = nb.cells.filter((c) => c.cell_type === 'code' && !c.metadata.tags?.includes('no-run'));
  const kernel = await KernelClient.start(spec, WORK);
  const runs: CellRun[] = [];
  try {
    for (const [k, c] of cells.entries()) {
      const run = await kernel.execute(c.source.join(''));
      runs.push({
        where: `${file}, run cell ${k + 1} (${c.source[0]?.trim()} …)`, status: run.status,
        volatile: c.metadata.tags?.includes('volatile') ?? false, got: run.outputs, want: (c.outputs ?? []).map(committed),
      });
      if (run.status !== 'ok') {
        runs[runs.length - 1]!.where += `\nkernel log:\n${kernel.log}`;
        break;
      }
    }
  } finally {
    await kernel.shutdown();
  }
  return runs;
}

describe('notebooks in a Jupyter kernel (tslab over ZeroMQ)', function () {
  this.timeout(300_000);
  let spec: KernelSpec;
  const notebooks = readdirSync(COMMITTED).filter((f) => f.endsWith('.ipynb')).sort();

  before(() => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    // the kernelspec as `npm run notebooks:kernel` writes it, into a Jupyter data folder of our own
    const { specFile, stub } = installKernel(ROOT, { ...process.env, JUPYTER_DATA_DIR: join(WORK, 'jupyter') }, join(WORK, 'node_modules'));
    expect(specFile).to.equal(join(WORK, 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json'));
    expect(existsSync(join(stub, 'package.json'))).to.equal(true);
    spec = JSON.parse(readFileSync(specFile, 'utf8')) as KernelSpec;
    // the notebooks' folder as a user has it: the helpers beside the .ipynb files
    copyFileSync(join(COMMITTED, HELPER_FILE), join(WORK, HELPER_FILE));
  });

  it('the kernelspec starts this checkout\'s tslab for TypeScript, and every notebook names it', () => {
    expect(spec.language).to.equal('typescript');
    expect(spec.argv).to.include('{connection_file}');
    expect(existsSync(spec.argv.find((a) => a.endsWith('tslab'))!), 'tslab binary').to.equal(true);
    for (const f of notebooks) {
      const nb = JSON.parse(readFileSync(join(COMMITTED, f), 'utf8')) as { metadata: { kernelspec: { name: string } } };
      expect(nb.metadata.kernelspec.name, f).to.equal(KERNEL_NAME);
    }
  });

  // two kernels at a time (each notebook in its own), started by the first test; each test reads its notebook's run
  let runs: Map<string, Promise<CellRun[]>> | undefined;
  const runOf = (file: string) => {
    if (!runs) {
      const settle = new Map(notebooks.map((f) => {
        let done!: (r: Promise<CellRun[]>) => void;
        return [f, { promise: new Promise<CellRun[]>((r) => { done = r; }), done }] as const;
      }));
      let next = 0;
      const lane = async () => {
        while (next < notebooks.length) {
          const f = notebooks[next++]!, run = runInKernel(spec, f);
          settle.get(f)!.done(run);
          await run.catch(() => undefined);
        }
      };
      void Promise.all([lane(), lane()]);
      runs = new Map([...settle].map(([f, s]) => [f, s.promise]));
    }
    return runs.get(file)!;
  };

  for (const file of notebooks) {
    it(`${file}: runs top to bottom in a fresh kernel, every output as committed`, async () => {
      for (const c of await runOf(file)) {
        const errors = c.got.filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'));
        expect(c.status, `${c.where}: ${JSON.stringify(errors)}`).to.equal('ok');
        if (c.volatile) expect(c.got.map(kind), c.where).to.deep.equal(c.want.map(kind));
        else expect(c.got, c.where).to.deep.equal(c.want);
      }
    });
  }
});
