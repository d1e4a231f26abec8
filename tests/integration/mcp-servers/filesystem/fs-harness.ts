import { connectInMemory, dataOf, type InMemoryConnection, textOf } from '../../../support/in-memory-mcp.js';
import { Client } from '@modelcontextprotocol/client';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type FilesystemServerDeps } from '../../../../mcp-servers/filesystem/create-server.js';
import { silentLogger } from '../../../../core/logger.js';

/** Every file outside the root holds this word; no tool result may ever contain it. */
export const SECRET = 'TOP-SECRET';

/**
 * A temporary layout (real paths):
 *   base/root/            the allowed root: inside.txt, sub/a.txt, and links:
 *     link-out      → base/outside/secret.txt      chain1 → chain2 → base/outside/secret.txt
 *     dirlink-out   → base/outside                 dirlink-deep → base/outside/nested
 *     dangling      → base/outside/new.txt (missing)   inlink → inside.txt (inside, allowed)
 *   base/root-evil/evil.txt   a sibling whose name starts with the root's
 *   base/outside/secret.txt, base/outside/nested/n.txt
 */
export interface FsFixture {
  base: string;
  root: string;
  outside: string;
  evil: string;
  dispose(): Promise<void>;
}

export async function makeFixture(): Promise<FsFixture> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'sy-fs-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const evil = join(base, 'root-evil');
  await Promise.all([
    mkdir(join(root, 'sub'), { recursive: true }),
    mkdir(join(outside, 'nested'), { recursive: true }),
    mkdir(evil),
  ]);
  await writeFile(join(root, 'inside.txt'), 'hello inside\nline 2\nline 3\n');
  await writeFile(join(root, 'sub', 'a.txt'), 'alpha');
  await writeFile(join(outside, 'secret.txt'), `${SECRET} outside`);
  await writeFile(join(outside, 'nested', 'n.txt'), `${SECRET} nested`);
  await writeFile(join(evil, 'evil.txt'), `${SECRET} evil`);
  await symlink(join(outside, 'secret.txt'), join(root, 'link-out'));
  await symlink(join(root, 'chain2'), join(root, 'chain1'));
  await symlink(join(outside, 'secret.txt'), join(root, 'chain2'));
  await symlink(outside, join(root, 'dirlink-out'));
  await symlink(join(outside, 'nested'), join(root, 'dirlink-deep'));
  await symlink(join(outside, 'new.txt'), join(root, 'dangling'));
  await symlink(join(root, 'inside.txt'), join(root, 'inlink'));
  return { base, root, outside, evil, dispose: () => rm(base, { recursive: true, force: true }) };
}

/** Names, types, link targets and contents of everything under the given directories. */
export async function snapshot(...dirs: string[]): Promise<string> {
  const out: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) out.push(`${path} -> ${await readlink(path)}`);
    else if (info.isDirectory()) {
      out.push(`${path}/`);
      for (const name of (await readdir(path)).sort()) await visit(join(path, name));
    } else out.push(`${path}: ${await readFile(path, 'utf8')} (${info.mode})`);
  };
  for (const dir of dirs) await visit(dir);
  return out.join('\n');
}

export type Connected = InMemoryConnection;

export async function connect(
  deps: Partial<FilesystemServerDeps> & { roots: string[] },
  client: Client = new Client({ name: 'fs-test', version: '1.0.0' }),
): Promise<Connected> {
  return connectInMemory(createServer({ logger: silentLogger, ...deps }), client);
}

export { dataOf, textOf };
