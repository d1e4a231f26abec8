import { v5 as uuidv5 } from 'uuid';

/**
 * Qdrant point ids are unsigned integers or UUIDs; Switchyard ids are any string of up to 512
 * characters. Each id maps to the UUIDv5 of its UTF-8 bytes under {@link POINT_ID_NAMESPACE}: the
 * same id gives the same point on every run and every machine, so a re-upsert replaces the point
 * and a delete by id needs no lookup. The original id is kept in the payload (see qdrant-payload.ts),
 * which is what queries return.
 */

/**
 * The namespace of every point id this backend writes. Changing it orphans every stored point
 * (re-upserts would create duplicates instead of replacing), so it is fixed for good.
 */
export const POINT_ID_NAMESPACE = '7e67bfc3-ad2e-4aeb-82ec-c2b956f83fe5';

/** The Qdrant point id (a UUIDv5 string) of a Switchyard record id. */
export function pointIdFor(id: string): string {
  return uuidv5(id, POINT_ID_NAMESPACE);
}
