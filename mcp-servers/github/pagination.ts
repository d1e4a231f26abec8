/** The `rel` links of a GitHub `link` header: `<https://…?page=2>; rel="next", <…>; rel="last"`. */
export function parseLinkHeader(link: string | undefined): Record<string, string> {
  const rels: Record<string, string> = {};
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (match) for (const rel of match[2]!.split(/\s+/)) rels[rel] = match[1]!;
  }
  return rels;
}

function pageOf(url: string | undefined): number | null {
  if (url === undefined) return null;
  const value = Number(new URL(url).searchParams.get('page'));
  return Number.isInteger(value) && value > 0 ? value : null;
}

export interface PageInfo {
  [key: string]: unknown;
  page: number;
  per_page: number;
  has_next_page: boolean;
  next_page: number | null;
  last_page: number | null;
}

/**
 * Where a page of results stands, from the response's `link` header. Without a `next` link this
 * is the last page; without a `last` link the end is unknown, unless there is no next page either.
 */
export function pageInfo(headers: { link?: string | undefined }, page: number, perPage: number): PageInfo {
  const rels = parseLinkHeader(headers.link);
  const next = pageOf(rels['next']);
  return {
    page,
    per_page: perPage,
    has_next_page: next !== null,
    next_page: next,
    last_page: pageOf(rels['last']) ?? (next === null ? page : null),
  };
}
