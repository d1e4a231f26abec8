import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Logger } from '#core';
import type { Embedder } from '#stores/embeddings';
import { METRICS, type Metric, type VectorStore, MAX_ID_LENGTH, MAX_TOP_K } from '#stores/vector';
import type { ChunkOptions } from './chunk.js';

/** What every tool of this server is given. */
export interface VectorToolDeps {
  store: VectorStore;
  embedder: Embedder;
  logger: Logger;
  chunking: Required<ChunkOptions>;
  /** Aborted by the server's cleanup, so long upserts stop when the server goes away. */
  shutdown: AbortSignal;
}

export type RegisterTool = (server: McpServer, deps: VectorToolDeps) => void;

/** Shown in every tool that takes a filter, so a model can write one without another lookup. */
export const FILTER_HELP =
  'The filter is a JSON object over metadata (Mongo-like): {"field": value} tests equality; ' +
  '{"field": {"$gt": 1}} uses an operator ($eq $ne $gt $gte $lt $lte $in $nin $exists); ' +
  'several keys are ANDed; $and / $or take arrays of filters, $not one filter; dotted keys reach ' +
  'nested fields. Example: {"lang": "en", "year": {"$gte": 2020}, "$or": [{"tag": "faq"}, {"tag": "guide"}]}. ' +
  'Chunks written by upsert_documents also carry "source_id" (the document id) and "chunk" (0, 1, …).';

// The store checks names too; checking here gives the model the rule before any I/O.
export const collectionName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,62}$/, {
    message: "a collection name is 3–63 letters, digits, '_' or '-', starting with a letter or digit",
  })
  .describe('Collection name');

export const recordId = z.string().min(1).max(MAX_ID_LENGTH);

/** Checked in depth by the store (JSON values, reserved keys, size); here only its shape. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** Parsed by the vector layer's parseFilter, whose errors name the JSON path of the bad part. */
export const filterSchema = z.record(z.string(), z.unknown()).describe(FILTER_HELP);

export const metricSchema = z.enum(METRICS as [Metric, ...Metric[]]);

export const topKSchema = z.number().int().min(1).max(MAX_TOP_K);

export const collectionInfoShape = {
  name: z.string(),
  dimension: z.number().int(),
  metric: metricSchema,
  count: z.number().int().describe('Records stored (chunks, for documents)'),
};
