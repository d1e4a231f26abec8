/** Small display helpers shared by the pages. */
export const time = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? '—' : new Date(value).toLocaleString();

export const json = (value: unknown): string => JSON.stringify(value, null, 2);

export const ago = (value: number): string => {
  const seconds = Math.round((Date.now() - value) / 1000);
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
};
