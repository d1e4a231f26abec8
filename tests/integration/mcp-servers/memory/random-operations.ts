/**
 * A seeded random sequence of memory-server tool calls over a small vocabulary, so names,
 * observations and relations collide often (duplicates, deletes of what exists and of what does
 * not, add_observations to missing entities). No call repeats a name, relation or observation
 * within its own arrays: there the reference stores duplicates (it filters against the graph as it
 * was before the call), which Switchyard's unique constraints deliberately do not.
 */
export interface Operation {
  name: string;
  arguments: Record<string, unknown>;
}

/** mulberry32: small, fast and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Acme', 'Globex', 'Initech', 'Zoë'];
const TYPES = ['person', 'company', 'project'];
const FACTS = [
  'likes tea',
  'Lives in Paris',
  'works remotely',
  'speaks French',
  'ÉTÉ fan',
  'owns a cat',
  'ceo',
];
const RELATIONS = ['works_at', 'knows', 'manages', 'invested_in'];
const QUERIES = ['', 'a', 'ALICE', 'person', 'paris', 'cat', 'é', 'zz', 'Co'];

export function randomOperations(seed: number, count: number): Operation[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  /** `n` distinct items, in a random order. */
  const some = <T>(items: readonly T[], n: number): T[] => {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(...pool.splice(int(pool.length), 1));
    return out;
  };
  const relation = (from: string, to: string) => ({ from, to, relationType: pick(RELATIONS) });
  const relations = () => {
    const seen = new Set<string>();
    return Array.from({ length: 1 + int(3) }, () => relation(pick(NAMES), pick(NAMES))).filter((r) => {
      const key = `${r.from}|${r.to}|${r.relationType}`;
      return !seen.has(key) && Boolean(seen.add(key));
    });
  };
  const builders: Array<() => Operation> = [
    () => ({
      name: 'create_entities',
      arguments: {
        entities: some(NAMES, 1 + int(3)).map((name) => ({
          name,
          entityType: pick(TYPES),
          observations: some(FACTS, int(3)),
        })),
      },
    }),
    () => ({ name: 'create_relations', arguments: { relations: relations() } }),
    () => ({
      name: 'add_observations',
      arguments: {
        observations: Array.from({ length: 1 + int(2) }, () => ({
          entityName: pick(NAMES),
          contents: some(FACTS, 1 + int(3)),
        })),
      },
    }),
    () => ({ name: 'delete_entities', arguments: { entityNames: some(NAMES, int(2)) } }),
    () => ({
      name: 'delete_observations',
      arguments: { deletions: [{ entityName: pick(NAMES), observations: some(FACTS, 1 + int(2)) }] },
    }),
    () => ({ name: 'delete_relations', arguments: { relations: relations() } }),
    () => ({ name: 'read_graph', arguments: {} }),
    () => ({ name: 'search_nodes', arguments: { query: pick(QUERIES) } }),
    () => ({ name: 'open_nodes', arguments: { names: some(NAMES, 1 + int(3)) } }),
  ];
  // Creates are weighted up so the graph grows enough for deletes and searches to matter.
  const weights = [4, 4, 3, 1, 2, 2, 1, 2, 2];
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: count }, () => {
    let roll = int(total);
    const index = weights.findIndex((w) => (roll -= w) < 0);
    return (builders[index] ?? builders[0]!)();
  });
}
