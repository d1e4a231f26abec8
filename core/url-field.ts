import { z } from 'zod';

/**
 * A URL field of a config section (a database, Redis, a vector server, an API). One schema for
 * every section, wherever its owner lives, so each invalid URL is reported with the same words.
 */
export const urlField = z.url({ message: 'expected a URL such as postgres://user@host:5432/db' });
