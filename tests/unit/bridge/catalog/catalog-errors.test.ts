import { describe, expect, it } from 'vitest';
import {
  CatalogNotFoundError,
  editDistance,
  suggestNames,
} from '../../../../bridge/catalog/catalog-errors.js';
import { NotFoundError } from '../../../../core/errors.js';

describe('suggestNames', () => {
  const known = ['crm__get_account', 'crm__list_accounts', 'files__read', 'files__write', 'memory__recall'];

  it('suggests names within a small edit distance, closest first', () => {
    expect(suggestNames('files__raed', known)).toEqual(['files__read', 'files__write']);
  });

  it("suggests the server's other names for a wrong tool part, and a prefixed name for a bare one", () => {
    expect(suggestNames('crm__delete', known)).toEqual(['crm__get_account', 'crm__list_accounts']);
    expect(suggestNames('recall', known)).toEqual(['memory__recall']);
  });

  it('suggests nothing for a name like no other', () => {
    expect(suggestNames('weather__forecast', known)).toEqual([]);
  });

  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('CatalogNotFoundError', () => {
  it('is a not_found NotFoundError carrying its suggestions', () => {
    const error = new CatalogNotFoundError('tool', 'files__raed', ['files__read']);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('not_found');
    expect(error.name).toBe('CatalogNotFoundError');
    expect(error.message).toBe("tool 'files__raed' does not exist; did you mean 'files__read'?");
    expect(error.details).toEqual({ kind: 'tool', name: 'files__raed', suggestions: ['files__read'] });
  });
});
