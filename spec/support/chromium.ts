/**
 * The Chromium the browser specs launch, found in this order:
 *  1. `HYPERAD_CHROMIUM`, a path to a Chromium binary, if set;
 *  2. the system's, at /usr/bin/chromium (Debian's package; `.ci/run` installs it);
 *  3. the one inside the npm tarball of the optional devDependency
 *     `@sparticuz/chromium` (a headless shell): its `bin/chromium.br` is
 *     unpacked once into node_modules/.cache/hyperad-chromium/VERSION/, and
 *     where the system lacks a library it links (libnss3, libnspr4, …) the
 *     copies it ships in `bin/al2023.tar.br` are unpacked beside it and put on
 *     the browser's LD_LIBRARY_PATH.
 * So `npm install && npm test` needs Node and the npm registry, nothing else.
 * Launched by playwright-core with --no-sandbox (the specs may run as root).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import type { Browser } from 'playwright-core';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const PACKAGE = '@sparticuz/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export interface LocatedChromium {
  /** the binary */
  executablePath: string;
  /** where it came from: 'HYPERAD_CHROMIUM', 'system' or the npm package with its version */
  source: string;
  /** extra environment for the browser process (LD_LIBRARY_PATH, FONTCONFIG_FILE), empty for a system browser */
  env: Record<string, string>;
}

let located: Promise<LocatedChromium> | undefined;

/** The Chromium to launch (unpacking the npm one on first use); an error saying what to install if there is none. */
export function locateChromium(): Promise<LocatedChromium> {
  return (located ??= locate());
}

/** A headless Chromium from `locateChromium()`, launched by playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const c = await locateChromium();
  const { chromium } = await import('playwright-core');
  const env = Object.keys(c.env).length ? { ...process.env as Record<string, string>, ...c.env } : undefined;
  return chromium.launch({ executablePath: c.executablePath, args: CHROMIUM_ARGS, ...(env ? { env } : {}) });
}

async function locate(): Promise<LocatedChromium> {
  const own = process.env.HYPERAD_CHROMIUM;
  if (own) {
    if (!existsSync(own)) throw new Error(`HYPERAD_CHROMIUM names ${own}, which does not exist`);
    return { executablePath: own, source: 'HYPERAD_CHROMIUM', env: {} };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system', env: {} };
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(PACKAGE));
  } catch {
    throw new Error(`the browser specs need Chromium: none at ${SYSTEM_CHROMIUM} and the optional devDependency ${PACKAGE} ` +
      'is not installed. Run `npm install` (it ships a Chromium in its npm tarball), or install Debian\'s `chromium` ' +
      '(`apt-get install -y chromium`; .ci/run does this), or set HYPERAD_CHROMIUM to a Chromium binary.');
  }
  return unpacked(entry);
}

/** The npm package's Chromium, unpacked into node_modules/.cache once per version. */
async function unpacked(entry: string): Promise<LocatedChromium> {
  const pkgDir = entry.slice(0, entry.lastIndexOf(`${sep}build${sep}`));
  const bin = join(pkgDir, 'bin');
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const modules = pkgDir.slice(0, pkgDir.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules`.length);
  const dir = join(modules, '.cache', 'hyperad-chromium', version);
  const exe = join(dir, 'chromium');
  if (!existsSync(join(dir, 'complete'))) {
    // unpack beside the cache, then rename: an interrupted unpack never looks complete
    const tmp = `${dir}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(tmp, 'chromium'), { mode: 0o755 }));
    untar(brotliDecompressSync(readFileSync(join(bin, 'al2023.tar.br'))), join(tmp, 'al2023'));
    untar(brotliDecompressSync(readFileSync(join(bin, 'fonts.tar.br'))), join(tmp, 'fonts'));
    writeFileSync(join(tmp, 'fonts', 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>/usr/share/fonts</dir>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>\n</fontconfig>\n`);
    writeFileSync(join(tmp, 'complete'), `${PACKAGE}@${version}\n`);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'complete'))) throw e; // (else another process unpacked it first)
    }
  }
  const env: Record<string, string> = {};
  if (missingLibraries(exe).length > 0) {
    const lib = join(dir, 'al2023', 'lib');
    env.LD_LIBRARY_PATH = process.env.LD_LIBRARY_PATH ? `${lib}:${process.env.LD_LIBRARY_PATH}` : lib;
  }
  if (!existsSync('/etc/fonts/fonts.conf')) env.FONTCONFIG_FILE = join(dir, 'fonts', 'fonts.conf');
  return { executablePath: exe, source: `${PACKAGE}@${version}`, env };
}

/** The shared libraries `ldd` cannot find for exe (all of them unknown: assume some are missing). */
export function missingLibraries(exe: string): string[] {
  try {
    const out = execFileSync('ldd', [exe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(/\s/)[0]!);
  } catch {
    return ['(ldd failed)'];
  }
}

/** Extracts a ustar archive's directories, regular files and symbolic links into dir. */
function untar(tar: Buffer, dir: string): void {
  const field = (h: Buffer, at: number, len: number) => h.subarray(at, at + len).toString('utf8').replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const prefix = field(h, 345, 155), name = (prefix ? `${prefix}/` : '') + field(h, 0, 100);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8), type = String.fromCharCode(h[156]!);
    const mode = parseInt(field(h, 100, 8).trim() || '644', 8);
    const path = join(dir, name);
    if (!path.startsWith(dir + sep) && path !== dir) throw new Error(`untar: ${name} leaves ${dir}`);
    if (type === '5') mkdirSync(path, { recursive: true });
    else if (type === '0' || type === '\0') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, tar.subarray(at + 512, at + 512 + size), { mode });
    } else if (type === '2') {
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync(field(h, 157, 100), path);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
}
