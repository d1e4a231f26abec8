import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinTransportFactory } from '../../../app/servers/builtin-transport.js';
import { parseUpstreamSpec } from '../../../bridge/fleet/upstream-spec.js';
import { MCP_SERVERS } from '../../../app/servers/mcp-server-registry.js';
import { type Config, ConfigSchema } from '../../../app/config/config-schema.js';
import { ConfigError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';

/**
 * The filesystem built-in refuses, at start, a root that contains the config file's directory or
 * SWITCHYARD_HOME, or lies inside SWITCHYARD_HOME. Layout (real paths):
 *   base/etc/switchyard/switchyard.config.json   the config file
 *   base/home/                                   SWITCHYARD_HOME, with files/ inside
 *   base/docs/                                   an unrelated directory
 */
describe('filesystem roots at the composition root', () => {
  let base: string;
  let configFile: string;
  let home: string;
  let docs: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-root-policy-')));
    configFile = join(base, 'etc', 'switchyard', 'switchyard.config.json');
    home = join(base, 'home');
    docs = join(base, 'docs');
    await mkdir(dirname(configFile), { recursive: true });
    await mkdir(join(home, 'files'), { recursive: true });
    await mkdir(docs);
    await writeFile(configFile, '{}');
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  const configWithRoots = (roots: string[]): Config => ({
    ...ConfigSchema.parse({ filesystem: { roots } }),
    home,
  });

  const start = (roots: string[], args: string[] = []) =>
    MCP_SERVERS.filesystem!.create(configWithRoots(roots), { logger: silentLogger, configFile, args });

  it("refuses a root that contains the config file's directory (its parent), naming both", async () => {
    const root = join(base, 'etc');
    await expect(start([root])).rejects.toThrow(ConfigError);
    await expect(start([root])).rejects.toThrow(
      `filesystem root '${root}' contains the configuration file's directory (${dirname(configFile)})`,
    );
  });

  it('refuses a root that is SWITCHYARD_HOME', async () => {
    await expect(start([home])).rejects.toThrow(`filesystem root '${home}' contains SWITCHYARD_HOME`);
  });

  it('refuses a root inside SWITCHYARD_HOME, given in the config or as an argument', async () => {
    const inside = join(home, 'files');
    await expect(start([inside])).rejects.toThrow(/lies inside SWITCHYARD_HOME/);
    await expect(start([docs], [inside])).rejects.toThrow(/lies inside SWITCHYARD_HOME/);
  });

  it('starts with an unrelated root', async () => {
    const composed = await start([docs]);
    const created = await composed.factory();
    await created.cleanup();
    await created.server.close();
    await composed.close();
  });

  it('refuses such a root for the memory server too, whose imports read inside the same roots', async () => {
    const memory = MCP_SERVERS.memory!.create(configWithRoots([home]), { logger: silentLogger, configFile });
    await expect(memory).rejects.toThrow(/contains SWITCHYARD_HOME/);
  });

  it("refuses a built-in filesystem server in the fleet whose root contains the config file's directory", async () => {
    const createTransport = createBuiltinTransportFactory({
      config: configWithRoots([join(base, 'etc')]),
      configFile,
    });
    const spec = parseUpstreamSpec({ name: 'files', transport: 'builtin', server: 'filesystem' });
    const transport = createTransport(spec, { onStderrLine: () => {} });
    await expect(transport.start()).rejects.toThrow(/configuration file's directory/);
    await transport.close();
  });
});
