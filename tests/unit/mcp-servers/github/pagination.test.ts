import { describe, expect, it } from 'vitest';
import { pageInfo, parseLinkHeader } from '../../../../mcp-servers/github/pagination.js';

const API = 'https://api.github.com/repositories/1300192/issues';

describe('parseLinkHeader', () => {
  it("reads GitHub's rel links", () => {
    const link = `<${API}?page=3>; rel="next", <${API}?page=5>; rel="last", <${API}?page=1>; rel="first", <${API}?page=1>; rel="prev"`;
    expect(parseLinkHeader(link)).toEqual({
      next: `${API}?page=3`,
      last: `${API}?page=5`,
      first: `${API}?page=1`,
      prev: `${API}?page=1`,
    });
  });

  it('is empty without a header', () => {
    expect(parseLinkHeader(undefined)).toEqual({});
  });
});

describe('pageInfo', () => {
  it('has a next page when GitHub links one', () => {
    const link = `<${API}?per_page=2&page=3>; rel="next", <${API}?per_page=2&page=5>; rel="last"`;
    expect(pageInfo({ link }, 2, 2)).toEqual({
      page: 2,
      per_page: 2,
      has_next_page: true,
      next_page: 3,
      last_page: 5,
    });
  });

  it('is the last page without a next link', () => {
    const link = `<${API}?page=1>; rel="first", <${API}?page=4>; rel="prev"`;
    expect(pageInfo({ link }, 5, 30)).toMatchObject({ has_next_page: false, next_page: null, last_page: 5 });
    expect(pageInfo({}, 1, 30)).toMatchObject({ has_next_page: false, last_page: 1 });
  });

  it('leaves the last page unknown when GitHub gives next but not last', () => {
    expect(pageInfo({ link: `<${API}?page=2>; rel="next"` }, 1, 30)).toMatchObject({
      next_page: 2,
      last_page: null,
    });
  });
});
