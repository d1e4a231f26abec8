import { ValidationError } from '#core';
import type { Embedder } from '#stores/embeddings';
import { type Metadata, type VectorRecord, type VectorStore, assertMetadata } from '#stores/vector';
import { type ChunkOptions, chunkText } from './chunk.js';

/** Chunks embedded and written per step; progress is reported and cancellation checked between steps. */
export const EMBED_BATCH_SIZE = 32;

/** Metadata keys the server sets on every chunk; a document may not set them itself. */
export const SOURCE_ID_KEY = 'source_id';
export const CHUNK_KEY = 'chunk';

export interface DocumentInput {
  id: string;
  text: string;
  metadata?: Record<string, unknown> | undefined;
}

export interface WriteDocumentsRequest {
  store: VectorStore;
  embedder: Embedder;
  collection: string;
  documents: readonly DocumentInput[];
  chunking: Required<ChunkOptions>;
  /** Checked between batches and passed to the embedder. */
  signal: AbortSignal;
  onProgress(written: number, total: number): Promise<void>;
}

export interface WriteDocumentsReport {
  collection: string;
  /** Documents whose every chunk was written and whose stale chunks were removed. */
  documents: number;
  chunks: number;
  totalChunks: number;
  /** Chunks of earlier versions of these documents beyond their new chunk count, removed. */
  staleChunksDeleted: number;
  cancelled: boolean;
  /** Documents not (fully) written because the call was cancelled; upsert them again. */
  incomplete: string[];
}

interface PlannedChunk {
  /** Everything but the vector, which the batch's embedding call supplies. */
  record: Omit<VectorRecord, 'vector'> & { document: string; metadata: Metadata };
  /** Set on a document's last chunk: once it is written, the document is complete. */
  completes?: { id: string; count: number };
}

/**
 * Chunks, embeds and writes documents in batches. Ordering is what keeps a re-upsert safe: a
 * document's new chunks are written first and only then are its chunks numbered at or past the new
 * count deleted, so a document is never absent, and after it completes no stale chunk is left.
 * Cancellation stops between batches (or inside the embedder); what was written stays written.
 */
export async function writeDocuments(request: WriteDocumentsRequest): Promise<WriteDocumentsReport> {
  const { store, embedder, collection, documents, signal } = request;
  const info = await store.describeCollection(collection);
  if (info.dimension !== embedder.dimension) {
    throw new ValidationError(
      `collection '${collection}' has dimension ${info.dimension} but the embedder (${embedder.name}) makes vectors of dimension ${embedder.dimension}; upsert_documents needs a collection created without an explicit dimension, or use upsert_vectors with your own vectors`,
      { collection },
    );
  }
  const plan = planChunks(collection, documents, request.chunking);
  const report: WriteDocumentsReport = {
    collection,
    documents: 0,
    chunks: 0,
    totalChunks: plan.length,
    staleChunksDeleted: 0,
    cancelled: false,
    incomplete: [],
  };
  for (let start = 0; start < plan.length; start += EMBED_BATCH_SIZE) {
    if (signal.aborted) return cancelled(report, plan, start);
    const batch = plan.slice(start, start + EMBED_BATCH_SIZE);
    let vectors: number[][];
    try {
      vectors = await embedder.embed(
        batch.map((chunk) => chunk.record.document),
        { signal },
      );
    } catch (error) {
      // The embedder rejects with the signal's reason when aborted: that is a cancellation, not a failure.
      if (signal.aborted) return cancelled(report, plan, start);
      throw error;
    }
    const records: VectorRecord[] = batch.map((chunk, i) => ({ ...chunk.record, vector: vectors[i]! }));
    report.chunks += (await store.upsert(collection, records)).upserted;
    for (const { completes } of batch) {
      if (!completes) continue;
      const stale = { [SOURCE_ID_KEY]: completes.id, [CHUNK_KEY]: { $gte: completes.count } };
      report.staleChunksDeleted += (await store.delete(collection, { filter: stale })).deleted;
      report.documents++;
    }
    await request.onProgress(report.chunks, plan.length);
  }
  return report;
}

function cancelled(report: WriteDocumentsReport, plan: PlannedChunk[], start: number): WriteDocumentsReport {
  const incomplete = new Set(plan.slice(start).map((chunk) => String(chunk.record.metadata[SOURCE_ID_KEY])));
  return { ...report, cancelled: true, incomplete: [...incomplete] };
}

/** Validates every document before anything is embedded, so a bad one costs no embedding call. */
function planChunks(
  collection: string,
  documents: readonly DocumentInput[],
  chunking: Required<ChunkOptions>,
): PlannedChunk[] {
  const seen = new Set<string>();
  const plan: PlannedChunk[] = [];
  documents.forEach((document, index) => {
    const where = `documents[${index}] (id '${document.id}')`;
    if (seen.has(document.id)) throw new ValidationError(`${where}: duplicate document id in one call`);
    seen.add(document.id);
    const metadata: Metadata = {};
    if (document.metadata !== undefined) {
      assertMetadata(document.metadata, collection, where);
      for (const key of [SOURCE_ID_KEY, CHUNK_KEY]) {
        if (key in document.metadata) {
          throw new ValidationError(
            `${where}: metadata key '${key}' is set by the server on every chunk; rename it`,
          );
        }
      }
      Object.assign(metadata, document.metadata);
    }
    const texts = chunkText(document.text, chunking);
    if (texts.length === 0) {
      throw new ValidationError(`${where}: text has no words; give a non-blank text or delete the document`);
    }
    texts.forEach((text, n) => {
      plan.push({
        record: {
          id: `${document.id}#${n}`,
          document: text,
          metadata: { ...metadata, [SOURCE_ID_KEY]: document.id, [CHUNK_KEY]: n },
        },
        ...(n === texts.length - 1 ? { completes: { id: document.id, count: texts.length } } : {}),
      });
    });
  });
  return plan;
}
