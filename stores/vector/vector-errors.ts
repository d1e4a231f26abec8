import { ValidationError } from '#core';

/** A vector whose length is not the collection's dimension. */
export class DimensionMismatchError extends ValidationError {
  override readonly code = 'dimension_mismatch';

  constructor(collection: string, expected: number, received: number, where: string) {
    super(
      `collection '${collection}' expects vectors of dimension ${expected}, received ${received} (${where})`,
      { collection, expected, received, where },
    );
  }
}
