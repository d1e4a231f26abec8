import { z } from 'zod';

// The reference server's own schemas (@modelcontextprotocol/server-memory), field for field and
// in its key order, so inputs written for it validate here and results serialize identically.
export const EntitySchema = z.object({
  name: z.string().describe('The name of the entity'),
  entityType: z.string().describe('The type of the entity'),
  observations: z.array(z.string()).describe('An array of observation contents associated with the entity'),
});

export const RelationSchema = z.object({
  from: z.string().describe('The name of the entity where the relation starts'),
  to: z.string().describe('The name of the entity where the relation ends'),
  relationType: z.string().describe('The type of the relation'),
});

export const GraphSchema = z.object({
  entities: z.array(EntitySchema),
  relations: z.array(RelationSchema),
});

export type Entity = z.infer<typeof EntitySchema>;
export type Relation = z.infer<typeof RelationSchema>;
export type KnowledgeGraph = z.infer<typeof GraphSchema>;

/** One record of the semantic index: an entity (its name and type) or one observation. */
export interface IndexedItem {
  /** `entity:<sql id>` or `observation:<sql id>`: SQL ids never repeat, so a re-created name gets new records. */
  id: string;
  kind: 'entity' | 'observation';
  entityName: string;
  entityType: string;
  /** The observation's content; for an entity, `<name> (<type>)`. */
  text: string;
}

/** What a committed write changed, for the semantic index to follow. */
export interface IndexChange {
  upsert: IndexedItem[];
  remove: string[];
}

export function entityItem(id: string, name: string, entityType: string): IndexedItem {
  return {
    id: `entity:${id}`,
    kind: 'entity',
    entityName: name,
    entityType,
    text: `${name} (${entityType})`,
  };
}

export function observationItem(id: string, name: string, entityType: string, content: string): IndexedItem {
  return { id: `observation:${id}`, kind: 'observation', entityName: name, entityType, text: content };
}

/** Thrown for add_observations on a missing entity; the message is the reference server's, word for word. */
export class EntityNotFoundError extends Error {
  constructor(readonly entityName: string) {
    super(`Entity with name ${entityName} not found`);
    this.name = 'EntityNotFoundError';
  }
}
