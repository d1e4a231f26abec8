/**
 * npm run bench:vector [-- --n 100000 --dim 384 --queries 300 --backends faiss,pgvector --load bulk]
 *
 * For each available backend: the load (with `--load bulk`, one upsert call of every record, which
 * takes pgvector's bulk path, against the raw client loading without the index and building it
 * after; with `--load batches`, calls of 1000 into an indexed collection), its time and rate, single-client query QPS at top-10,
 * recall@10 against the exact answer and p50/p99 latency — through Switchyard's vector layer and
 * through the backend's own client (RawClient) in the same run, so the layer's overhead is a ratio
 * of two measurements taken under the same conditions. Raw and layer queries alternate, one each
 * per query, so drift (GC, other load) hits both alike. Prints a table; writes bench/results/vector.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Metric } from '../../stores/vector/types.js';
import { BENCH_BACKENDS, type BenchBackend } from './backends.js';
import { type Dataset, makeDataset } from './dataset.js';
import { exactTopK, percentile, recallAtK } from './ground-truth.js';
import { failWith, log, positiveArg, progressBar } from './bench-cli.js';

const fail = failWith('bench:vector');

const TARGET_RECALL = 0.95;
const TARGET_OVERHEAD = 1.15;
/** pgvector loads 100,000 records in at most 60 s (issue 17): scaled to --n as a rate. */
const TARGET_PGVECTOR_LOAD_PER_SECOND = 100_000 / 60;
const BATCH = 1000;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '300' },
    topk: { type: 'string', default: '10' },
    metric: { type: 'string', default: 'cosine' },
    seed: { type: 'string', default: '42' },
    backends: { type: 'string' },
    load: { type: 'string', default: 'bulk' },
    out: { type: 'string', default: 'bench/results/vector.json' },
  },
});
const n = positiveArg('n', values.n, fail);
const dimension = positiveArg('dim', values.dim, fail);
const queryCount = positiveArg('queries', values.queries, fail);
const topK = positiveArg('topk', values.topk, fail);
const metric = values.metric as Metric;
if (!['cosine', 'l2', 'ip'].includes(metric)) fail(`--metric must be cosine, l2 or ip, got ${metric}`);
if (values.load !== 'bulk' && values.load !== 'batches')
  fail(`--load must be bulk or batches, got ${values.load}`);
const bulk = values.load === 'bulk';

interface Row {
  backend: string;
  ann: boolean;
  loadSeconds: number;
  rawLoadSeconds: number | null;
  upsertPerSecond: number;
  rawUpsertPerSecond: number | null;
  qps: number;
  rawQps: number | null;
  queryOverhead: number | null;
  recall: number;
  rawRecall: number | null;
  p50Ms: number;
  p99Ms: number;
  rawP50Ms: number | null;
  rawP99Ms: number | null;
  pass: boolean;
  /** Targets missed. */
  failures: string[];
  /** Each goal that applies to this row, with whether it was met. */
  goals: { goal: string; met: boolean }[];
  notes: string[];
}

async function main(): Promise<void> {
  const selected = values.backends?.split(',').map((s) => s.trim());
  const backends = BENCH_BACKENDS.filter((b) => !selected || selected.some((s) => b.name.startsWith(s)));
  if (backends.length === 0) fail(`no backend matches --backends ${values.backends}`);

  log(
    `generating ${n} clustered ${dimension}-d vectors (${metric}) and ${queryCount} queries, seed ${values.seed}`,
  );
  const data = makeDataset({ n, dimension, queries: queryCount, seed: Number(values.seed), metric });
  const truthBar = progressBar('exact top-k');
  truthBar.start(queryCount, 0);
  const truth = exactTopK(data, topK, (done) => truthBar.update(done));
  truthBar.stop();

  const rows: Row[] = [];
  const skipped: { backend: string; reason: string }[] = [];
  for (const backend of backends) {
    const reason = await backend.unavailable();
    if (reason) {
      log(`skipping ${backend.name}: ${reason}`);
      skipped.push({ backend: backend.name, reason });
      continue;
    }
    rows.push(await measure(backend, data, truth));
  }
  printTable(rows, skipped);
  mkdirSync('bench/results', { recursive: true });
  const report = {
    benchmark: 'vector',
    params: { n, dimension, queries: queryCount, topK, metric, seed: Number(values.seed), load: values.load },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    targets: {
      recallAtK: TARGET_RECALL,
      queryOverhead: TARGET_OVERHEAD,
      pgvectorLoadPerSecond: TARGET_PGVECTOR_LOAD_PER_SECOND,
    },
    results: rows,
    skipped,
    pass: rows.every((r) => r.pass),
    finishedAt: new Date().toISOString(),
  };
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${values.out}`);
  if (!report.pass) process.exitCode = 1;
}

async function measure(backend: BenchBackend, data: Dataset, truth: string[][]): Promise<Row> {
  const collection = `bench_${Date.now().toString(36)}`;
  const opened = await backend.open({ bulk });
  const notes: string[] = [...(opened.notes ?? [])];
  try {
    const records = data.ids.map((id, i) => ({
      id,
      vector: Array.from(data.vectors[i]!),
      metadata: data.metadata[i]!,
    }));
    await opened.store.createCollection({ name: collection, dimension: data.dimension, metric: data.metric });
    const upsertSeconds = await load(
      `${backend.name} layer`,
      records,
      (batch) => opened.store.upsert(collection, batch).then(() => {}),
      bulk ? records.length : BATCH,
    );
    let rawUpsertSeconds: number | null = null;
    if (opened.raw) {
      await opened.raw.create(`${collection}_raw`, data.dimension, data.metric);
      rawUpsertSeconds = await load(
        `${backend.name} raw`,
        records,
        (batch) => opened.raw!.upsert(batch),
        BATCH,
        () => opened.raw!.finishLoad?.(),
      );
    }

    const queries = data.queries.map((q) => Array.from(q));
    const layerQuery = (q: number[]) =>
      opened.store.query(collection, { vector: q, topK }).then((r) => r.map((m) => m.id));
    const rawQuery = opened.raw ? (q: number[]) => opened.raw!.query(q, topK) : null;
    // Warm-up: both paths JIT-compiled before timing (the layer has more code to warm than the raw client).
    for (const q of queries.slice(0, Math.min(100, queries.length))) {
      await layerQuery(q);
      await rawQuery?.(q);
    }
    const layerTimes: number[] = [];
    const rawTimes: number[] = [];
    const layerFound: string[][] = [];
    const rawFound: string[][] = [];
    const progress = progressBar(`${backend.name} queries`);
    progress.start(queries.length, 0);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      const runLayer = async () => {
        const t = performance.now();
        layerFound.push(await layerQuery(q));
        layerTimes.push(performance.now() - t);
      };
      const runRaw = async () => {
        if (!rawQuery) return;
        const t = performance.now();
        rawFound.push(await rawQuery(q));
        rawTimes.push(performance.now() - t);
      };
      if (i % 2 === 0) {
        await runRaw();
        await runLayer();
      } else {
        await runLayer();
        await runRaw();
      }
      progress.update(i + 1);
    }
    progress.stop();

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const recall = recallAtK(layerFound, truth);
    const queryOverhead = rawTimes.length > 0 ? mean(layerTimes) / mean(rawTimes) : null;
    const sortedLayer = [...layerTimes].sort((a, b) => a - b);
    const sortedRaw = [...rawTimes].sort((a, b) => a - b);
    const recallOk = !backend.ann || recall >= TARGET_RECALL;
    const overheadOk = queryOverhead === null || queryOverhead <= TARGET_OVERHEAD;
    const failures: string[] = [];
    if (!recallOk) failures.push(`recall ${recall.toFixed(3)} < ${TARGET_RECALL}`);
    if (!overheadOk) failures.push(`overhead ${queryOverhead!.toFixed(2)}x > ${TARGET_OVERHEAD}x`);
    const goals: Row['goals'] = [];
    if (backend.ann) goals.push({ goal: `recall@${topK} >= ${TARGET_RECALL}`, met: recallOk });
    if (queryOverhead !== null)
      goals.push({ goal: `query overhead <= ${TARGET_OVERHEAD}x the raw client`, met: overheadOk });
    if (backend.name.startsWith('pgvector')) {
      const limit = n / TARGET_PGVECTOR_LOAD_PER_SECOND;
      const met = upsertSeconds <= limit;
      goals.push({ goal: `load of ${n} records <= ${limit.toFixed(1)} s (100,000 in 60 s)`, met });
      if (!met) failures.push(`load ${upsertSeconds.toFixed(1)} s > ${limit.toFixed(1)} s`);
    }
    return {
      backend: backend.name,
      ann: backend.ann,
      loadSeconds: upsertSeconds,
      rawLoadSeconds: rawUpsertSeconds,
      upsertPerSecond: data.ids.length / upsertSeconds,
      rawUpsertPerSecond: rawUpsertSeconds === null ? null : data.ids.length / rawUpsertSeconds,
      qps: 1000 / mean(layerTimes),
      rawQps: rawTimes.length > 0 ? 1000 / mean(rawTimes) : null,
      queryOverhead,
      recall,
      rawRecall: rawFound.length > 0 ? recallAtK(rawFound, truth) : null,
      p50Ms: percentile(sortedLayer, 50),
      p99Ms: percentile(sortedLayer, 99),
      rawP50Ms: rawTimes.length > 0 ? percentile(sortedRaw, 50) : null,
      rawP99Ms: rawTimes.length > 0 ? percentile(sortedRaw, 99) : null,
      pass: failures.length === 0,
      failures,
      goals,
      notes,
    };
  } finally {
    await opened.store.dropCollection(collection).catch(() => false);
    await opened.raw?.close();
    await opened.close();
  }
}

/** Seconds to load every record in calls of `batch`, then `finish` (an index built after the rows). */
async function load<T>(
  label: string,
  records: T[],
  upsert: (batch: T[]) => Promise<void>,
  batch: number,
  finish?: () => Promise<void> | undefined,
): Promise<number> {
  const progress = progressBar(`${label} upsert`);
  progress.start(records.length, 0);
  const start = performance.now();
  for (let offset = 0; offset < records.length; offset += batch) {
    await upsert(records.slice(offset, offset + batch));
    progress.update(Math.min(records.length, offset + batch));
  }
  progress.stop();
  if (finish) {
    const t = performance.now();
    await finish();
    const built = performance.now() - t;
    if (built > 1) log(`${label}: finishing the load (index build) took ${(built / 1000).toFixed(1)} s`);
  }
  return (performance.now() - start) / 1000;
}

function printTable(rows: Row[], skipped: { backend: string; reason: string }[]): void {
  const fmt = (x: number | null, digits = 0) => (x === null ? '—' : x.toFixed(digits));
  const header = [
    'backend',
    'load s',
    'raw load s',
    'upsert/s',
    'raw upsert/s',
    'QPS',
    'raw QPS',
    'overhead',
    'recall@k',
    'p50 ms',
    'p99 ms',
    'raw p50',
    'raw p99',
    'ok',
  ];
  const body = rows.map((r) => [
    r.backend,
    fmt(r.loadSeconds, 1),
    fmt(r.rawLoadSeconds, 1),
    fmt(r.upsertPerSecond),
    fmt(r.rawUpsertPerSecond),
    fmt(r.qps, 1),
    fmt(r.rawQps, 1),
    r.queryOverhead === null ? '—' : `${r.queryOverhead.toFixed(3)}x`,
    r.recall.toFixed(4),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.rawP50Ms, 2),
    fmt(r.rawP99Ms, 2),
    r.pass ? 'yes' : `NO (${r.failures.join('; ')})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    '',
    `vector benchmark: n=${n}, dim=${dimension}, metric=${metric}, top-${topK}, ${queryCount} queries, load ${bulk ? 'in one upsert call (bulk)' : `in calls of ${BATCH}`}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...rows.flatMap((r) => r.notes.map((note) => `${r.backend}: ${note}`)),
    '',
    'goals:',
    ...rows.flatMap((r) => r.goals.map((g) => `  ${r.backend}: ${g.goal}: ${g.met ? 'met' : 'NOT MET'}`)),
    ...skipped.map((s) => `${s.backend}: skipped (${s.reason})`),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:vector failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
