import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { Config } from '../config/config-schema.js';
import { createEmbedder } from '#stores/embeddings';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import type { Sql } from '#stores/sql';
import type { BackendName, VectorStore } from '#stores/vector';
import { type CommandContext, commandContext } from '../context.js';
import { openVectorStore } from '../from-config/vector-store-from-config.js';

interface Check {
  name: string;
  status: 'ok' | 'failed' | 'not configured';
  detail: string;
  /** A failure here fails the command: the configured parts must work. */
  required: boolean;
}

const BACKENDS: BackendName[] = ['pgvector', 'faiss', 'chroma', 'qdrant', 'memory'];

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the SQL store, every vector backend and the embedder; exits non-zero when a configured one fails',
    )
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      const checks = await runChecks(context);
      process.stdout.write(formatChecks(context, checks));
      if (checks.some((c) => c.required && c.status === 'failed')) process.exitCode = 1;
    });
}

async function runChecks({ config, logger }: CommandContext): Promise<Check[]> {
  const checks: Check[] = [];
  let sql: Sql | null = null;
  const started = performance.now();
  try {
    sql = await openSqlFromConfig(config, logger);
    const { rows } = await sql.query<{ version: number }>(
      'SELECT max(version) AS version FROM switchyard_migrations',
    );
    const where = config.database.url ? 'DATABASE_URL' : `PGlite in ${config.home}/pgdata`;
    checks.push({
      name: 'sql',
      status: 'ok',
      detail: `${where}, schema ${sql.schema}, migration ${rows[0]?.version ?? 0} (${ms(started)})`,
      required: true,
    });
  } catch (error) {
    checks.push({ name: 'sql', status: 'failed', detail: message(error), required: true });
  }
  for (const backend of BACKENDS) checks.push(await checkBackend(backend, config, sql, logger));
  checks.push(await checkEmbedder(config));
  await sql?.close();
  return checks;
}

async function checkBackend(
  backend: BackendName,
  config: Config,
  sql: Sql | null,
  logger: CommandContext['logger'],
): Promise<Check> {
  const required = backend === config.vector.backend;
  const name = `vector: ${backend}`;
  if (backend === 'chroma' && !config.vector.chroma.url)
    return notConfigured(name, required, 'set CHROMA_URL to check it');
  if (backend === 'qdrant' && !config.vector.qdrant.url)
    return notConfigured(name, required, 'set QDRANT_URL to check it');
  if (backend === 'pgvector' && !sql)
    return { name, status: 'failed', detail: 'the SQL store did not open', required };
  const started = performance.now();
  let store: VectorStore | null = null;
  const collection = `doctor_${process.pid}_${Date.now().toString(36)}`;
  try {
    store = await openVectorStore(config, { sql: sql!, logger }, backend);
    // A round trip through a throw-away collection: create, upsert, query, drop.
    await store.createCollection({ name: collection, dimension: 3, metric: 'cosine' });
    await store.upsert(collection, [
      { id: 'north', vector: [0, 1, 0], metadata: { kind: 'probe' } },
      { id: 'east', vector: [1, 0, 0], metadata: { kind: 'probe' } },
    ]);
    const [hit] = await store.query(collection, {
      vector: [0.1, 0.9, 0],
      topK: 1,
      filter: { kind: 'probe' },
    });
    if (hit?.id !== 'north')
      throw new Error(`round trip returned ${hit?.id ?? 'nothing'} instead of 'north'`);
    return {
      name,
      status: 'ok',
      detail: `round trip ${ms(started)}${required ? ' (configured backend)' : ''}`,
      required,
    };
  } catch (error) {
    return { name, status: 'failed', detail: message(error), required };
  } finally {
    await store?.dropCollection(collection).catch(() => false);
    await store?.close().catch(() => undefined);
  }
}

async function checkEmbedder(config: Config): Promise<Check> {
  const started = performance.now();
  try {
    const embedder = createEmbedder(config.embeddings);
    const [vector] = await embedder.embed(['Switchyard doctor']);
    return {
      name: `embeddings: ${embedder.name}`,
      status: 'ok',
      detail: `${vector?.length ?? 0} dimensions (${ms(started)})`,
      required: true,
    };
  } catch (error) {
    return {
      name: `embeddings: ${config.embeddings.provider}`,
      status: 'failed',
      detail: message(error),
      required: true,
    };
  }
}

function notConfigured(name: string, required: boolean, detail: string): Check {
  return { name, status: required ? 'failed' : 'not configured', detail, required };
}

function formatChecks({ config, file }: CommandContext, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `  ${c.name.padEnd(width)}  ${c.status.padEnd(14)}  ${c.detail}`);
  return `switchyard doctor — config: ${file ?? 'defaults + environment'}, home: ${config.home}\n${lines.join('\n')}\n`;
}

function ms(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
