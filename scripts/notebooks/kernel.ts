/**
 * The notebooks' Jupyter kernel: tslab, a TypeScript kernel for Node.js
 * published on npm (a devDependency). Deno's kernel (`deno jupyter`) would
 * serve too, but Deno is not an npm package: it would be the one tool the
 * project could not install with `npm install`.
 *
 *   npm run notebooks:kernel   writes the kernelspec `tslab` for the current user
 *
 * The kernelspec is written here rather than by `tslab install`, which needs
 * Python's jupyter_client; it starts this project's tslab with this Node.
 * Also here: a client speaking the Jupyter messaging protocol over ZeroMQ
 * (the `zeromq` package), as Jupyter's own runner does, so that a spec runs
 * every notebook in the kernel without Python.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A kernelspec's kernel.json. */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  metadata?: Record<string, unknown>;
}

/** The name the notebooks' metadata give their kernel. */
export const KERNEL_NAME = 'tslab';

/** The kernelspec that starts `root`'s tslab (require(esm) warnings off: Observable Plot is ESM and tslab compiles cells to CommonJS). */
export function kernelSpec(root: string): KernelSpec {
  return {
    argv: [process.execPath, '--disable-warning=ExperimentalWarning', join(root, 'node_modules/tslab/bin/tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
    metadata: { hyperad: 'written by npm run notebooks:kernel' },
  };
}

/** Jupyter's per-user data folder, as jupyter_core finds it. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library/Jupyter');
  if (process.platform === 'win32') return join(env.APPDATA ?? homedir(), 'jupyter');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'jupyter');
}

/**
 * Writes the kernelspec into the user's Jupyter data folder, and a stub
 * package node_modules/hyperad pointing at the checkout's dist/: tslab
 * type-checks cells with TypeScript 5.0's Node10 resolution, which finds a
 * package only in a node_modules folder (not by its own name, as Node does).
 */
export function installKernel(root: string, env: NodeJS.ProcessEnv = process.env, modules = join(root, 'node_modules')): { specFile: string; stub: string } {
  const dir = join(jupyterDataDir(env), 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const specFile = join(dir, 'kernel.json');
  writeFileSync(specFile, JSON.stringify(kernelSpec(root), null, 1) + '\n');
  return { specFile, stub: stubPackage(modules, root) };
}

/**
 * `modules`/hyperad: a package.json whose main and types are root's dist/
 * files (a stub rather than a link to root, which would make a cycle for
 * tools that walk node_modules). An installed hyperad is left alone.
 */
export function stubPackage(modules: string, root: string): string {
  const dir = join(modules, 'hyperad'), file = join(dir, 'package.json');
  if (existsSync(file) && !(JSON.parse(readFileSync(file, 'utf8')) as { hyperadStub?: boolean }).hyperadStub) return dir;
  const rel = (p: string) => relative(dir, join(root, p)).split(sep).join('/');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({
    name: 'hyperad', private: true, hyperadStub: true,
    description: 'written by npm run notebooks:kernel: the checkout above, for the notebooks in a kernel',
    main: rel('dist/index.cjs'), types: rel('dist/types/index.d.ts'),
  }, null, 1) + '\n');
  return dir;
}

// ------------------------------------------------------------------ the protocol

/** One output as nbformat stores it (text joined, not split into lines). */
export type KernelOutput =
  | { output_type: 'stream'; name: string; text: string }
  | { output_type: 'display_data' | 'execute_result'; data: Record<string, string> }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface Execution {
  status: 'ok' | 'error' | 'abort';
  outputs: KernelOutput[];
}

interface Message { header: { msg_id: string; msg_type: string }; parent_header: { msg_id?: string }; content: Record<string, unknown> }

type Zmq = typeof import('zeromq');

/**
 * A running kernel, started from a kernelspec in `cwd`, reached over ZeroMQ
 * IPC sockets (a connection file with transport "ipc": no ports to pick).
 */
export class KernelClient {
  private readonly shell: InstanceType<Zmq['Dealer']>;
  private readonly control: InstanceType<Zmq['Dealer']>;
  private readonly iopub: InstanceType<Zmq['Subscriber']>;
  private readonly waiting = new Map<string, { outputs: KernelOutput[]; idle: () => void }>();
  private readonly session = randomUUID();
  private exited = false;
  /** what the kernel process wrote to its stderr (shown when something fails) */
  log = '';

  private constructor(zmq: Zmq, private readonly proc: ChildProcess, private readonly key: string, private readonly dir: string, base: string) {
    this.shell = new zmq.Dealer();
    this.control = new zmq.Dealer();
    this.iopub = new zmq.Subscriber();
    this.shell.connect(`ipc://${base}:1`);
    this.control.connect(`ipc://${base}:4`);
    this.iopub.connect(`ipc://${base}:2`);
    this.iopub.subscribe();
    proc.stderr?.on('data', (b: Buffer) => { this.log += b.toString(); });
    proc.stdout?.on('data', (b: Buffer) => { this.log += b.toString(); });
    proc.once('exit', () => { this.exited = true; });
    void this.readIopub();
  }

  /** Starts the kernel that `spec` describes, with working folder `cwd`; resolves once it answers kernel_info. */
  static async start(spec: KernelSpec, cwd: string): Promise<KernelClient> {
    const zmq = await import('zeromq');
    const dir = mkdtempSync(join(tmpdir(), 'hyperad-kernel-'));
    const base = join(dir, 'kernel'), key = randomUUID();
    const conn = { transport: 'ipc', ip: base, shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key, signature_scheme: 'hmac-sha256', kernel_name: KERNEL_NAME };
    const connFile = join(dir, 'connection.json');
    writeFileSync(connFile, JSON.stringify(conn));
    const argv = spec.argv.map((a) => a.replace('{connection_file}', connFile));
    const proc = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const client = new KernelClient(zmq, proc, key, dir, base);
    // the first request may reach the socket before the kernel binds it: ZeroMQ queues it until then
    const reply = await client.request(client.shell, 'kernel_info_request', {}).catch(async (e: unknown) => {
      await client.close();
      throw e;
    });
    if ((reply.content.language_info as { name?: string } | undefined)?.name !== spec.language) {
      await client.close();
      throw new Error(`kernel_info: not a ${spec.language} kernel: ${JSON.stringify(reply.content)}\n${client.log}`);
    }
    return client;
  }

  private sign(parts: readonly string[]): string {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  private decode(frames: readonly Buffer[]): Message {
    const i = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const parts = frames.slice(i + 2, i + 6).map((f) => f.toString());
    if (frames[i + 1]!.toString() !== this.sign(parts)) throw new Error('a kernel message with a wrong signature');
    const [header, parent, , content] = parts.map((p) => JSON.parse(p) as Record<string, unknown>);
    return { header: header as Message['header'], parent_header: parent as Message['parent_header'], content: content! };
  }

  /** Sends a request on `sock` and waits for its reply (the reply to another request is an error). */
  private async request(sock: InstanceType<Zmq['Dealer']>, type: string, content: object, onSent?: (id: string) => void): Promise<Message> {
    const id = randomUUID();
    const header = { msg_id: id, username: 'hyperad', session: this.session, date: new Date().toISOString(), msg_type: type, version: '5.3' };
    const parts = [JSON.stringify(header), '{}', '{}', JSON.stringify(content)];
    onSent?.(id);
    await sock.send(['<IDS|MSG>', this.sign(parts), ...parts]);
    const reply = this.decode(await sock.receive());
    if (reply.parent_header.msg_id !== id) throw new Error(`${type}: got the reply to another request`);
    return reply;
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const m = this.decode(frames);
        const w = this.waiting.get(m.parent_header.msg_id ?? '');
        if (!w) continue;
        const c = m.content, type = m.header.msg_type;
        if (type === 'status' && c.execution_state === 'idle') w.idle();
        else if (type === 'stream') w.outputs.push({ output_type: 'stream', name: c.name as string, text: c.text as string });
        else if (type === 'display_data' || type === 'execute_result') w.outputs.push({ output_type: type, data: c.data as Record<string, string> });
        else if (type === 'error') w.outputs.push({ output_type: 'error', ename: c.ename as string, evalue: c.evalue as string, traceback: c.traceback as string[] });
      }
    } catch {
      // the socket was closed
    }
  }

  /** Runs one cell: its reply's status and its outputs (consecutive writes to one stream joined, as Jupyter shows them). */
  async execute(code: string): Promise<Execution> {
    const outputs: KernelOutput[] = [];
    let idle!: Promise<void>;
    const reply = await this.request(this.shell, 'execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, (id) => {
      idle = new Promise((resolve) => this.waiting.set(id, { outputs, idle: resolve }));
    });
    await idle; // outputs arrive on iopub, possibly after the reply; the kernel's idle status closes them
    this.waiting.delete(reply.parent_header.msg_id!);
    const joined: KernelOutput[] = [];
    for (const o of outputs) {
      const last = joined[joined.length - 1];
      if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) last.text += o.text;
      else joined.push(o);
    }
    return { status: reply.content.status as Execution['status'], outputs: joined };
  }

  /** Asks the kernel to shut down, then closes the sockets (and kills the process if it is still there). */
  async shutdown(): Promise<void> {
    try {
      await this.request(this.control, 'shutdown_request', { restart: false });
    } finally {
      await this.close();
    }
  }

  /** Closes the sockets, ends the kernel process if it is still there, removes the connection folder. */
  async close(): Promise<void> {
    const gone = new Promise<void>((resolve) => { if (this.exited) resolve(); else this.proc.once('exit', () => resolve()); });
    this.shell.close(); this.control.close(); this.iopub.close();
    if (!this.exited) this.proc.kill();
    await gone;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ npm run notebooks:kernel

function projectRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'hyperad') return d;
  }
  throw new Error('no hyperad package.json above this script');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = projectRoot();
  if (!existsSync(join(root, 'node_modules/tslab/bin/tslab'))) {
    console.error('tslab is not installed: run `npm install` first (it is a devDependency)');
    process.exitCode = 1;
  } else {
    const { specFile, stub } = installKernel(root);
    console.log(`kernelspec '${KERNEL_NAME}' written to ${specFile}\n${stub} points at this checkout's dist/\n` +
      `open the notebooks with: jupyter lab ${join(root, 'notebooks')}`);
  }
}
