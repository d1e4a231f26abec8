import { afterEach, describe, expect, it } from 'vitest';
import { CatalogNotFoundError } from '../../../../bridge/catalog/catalog-errors.js';
import { type Builder, createHarness, type Harness } from './catalog-fixtures.js';

// Routing of resource URIs that no upstream listed and no template matches. Pins down the MCP
// conformance scenarios resources-subscribe/unsubscribe through the bridge: server-everything
// accepts a subscription to any URI, and the bridge refused it as an unknown resource.

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A server with one listed resource that serves (and takes subscriptions to) any URI. */
const anyUri =
  (subscribed: string[]): Builder =>
  (server, name) => {
    server.registerResource('listed', `${name}://listed`, {}, async (uri) => ({
      contents: [{ uri: uri.href, text: 'listed' }],
    }));
    server.server.registerCapabilities({ resources: { subscribe: true } });
    // Registered after McpServer's own handler: this one answers for URIs it does not list too.
    server.server.setRequestHandler('resources/read', async (request) => ({
      contents: [{ uri: request.params.uri, text: `${name} read ${request.params.uri}` }],
    }));
    server.server.setRequestHandler('resources/subscribe', async (request) => {
      subscribed.push(`${name} ${request.params.uri}`);
      return {};
    });
  };

describe('Catalog: resource URIs nobody listed', () => {
  it('goes to the only upstream that serves resources, for reads and subscriptions', async () => {
    const subscribed: string[] = [];
    harness = await createHarness({ docs: anyUri(subscribed) });
    const read = await harness.catalog.readResource('test://not-listed');
    expect(read.contents).toEqual([{ uri: 'test://not-listed', text: 'docs read test://not-listed' }]);
    await harness.catalog.subscribeResource('test://watched-resource');
    expect(subscribed).toEqual(['docs test://watched-resource']);
  });

  it('is refused as not found when several upstreams serve resources', async () => {
    const subscribed: string[] = [];
    harness = await createHarness({ docs: anyUri(subscribed), wiki: anyUri(subscribed) });
    await expect(harness.catalog.readResource('test://not-listed')).rejects.toBeInstanceOf(
      CatalogNotFoundError,
    );
    await expect(harness.catalog.subscribeResource('test://not-listed')).rejects.toBeInstanceOf(
      CatalogNotFoundError,
    );
    // A listed URI still goes to the server that listed it.
    await expect(harness.catalog.readResource('wiki://listed')).resolves.toMatchObject({
      contents: [{ text: 'wiki read wiki://listed' }],
    });
    expect(subscribed).toEqual([]);
  });
});
