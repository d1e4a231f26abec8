import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { runConformance } from './conformance.js';

runConformance('memory', { prefix: 'mem', open: async () => new MemoryVectorStore() });
