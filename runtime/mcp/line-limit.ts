import { Transform, type TransformCallback } from 'node:stream';

/** The largest line `switchyard mcp` reads from its client; the SDK's own buffer stops at 10 MiB. */
export const MAX_STDIO_LINE_BYTES = 8 * 1024 * 1024;

export interface DroppedLine {
  /** Bytes of the line, newline excluded. */
  bytes: number;
  /** Its first KiB, from which a request id may be read to answer it. */
  head: string;
}

/**
 * Passes newline-delimited input through, dropping every line longer than `maxBytes` whole (up
 * to its newline): the SDK's stdio transport closes itself, and so the whole server, when one line
 * outgrows its read buffer. A dropped line is reported to `onDrop` once its end is seen.
 */
export function limitLines(maxBytes: number, onDrop: (line: DroppedLine) => void): Transform {
  /** Bytes of the current (unfinished) line passed on so far, or -1 while dropping one. */
  let passed = 0;
  let dropped = 0;
  let held: Buffer[] = [];
  let head = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(0x0a, start);
        const end = newline < 0 ? chunk.length : newline;
        const piece = chunk.subarray(start, end);
        if (passed >= 0) {
          if (passed + piece.length > maxBytes) {
            // This line is too long: what was held of it is dropped with the rest.
            head = Buffer.concat([...held, piece])
              .subarray(0, 1024)
              .toString('utf8');
            dropped = passed + piece.length;
            passed = -1;
            held = [];
          } else {
            held.push(piece);
            passed += piece.length;
          }
        } else dropped += piece.length;
        if (newline < 0) break;
        if (passed >= 0) {
          // A whole line within the limit: on it goes, with its newline.
          this.push(Buffer.concat([...held, Buffer.from('\n')]));
        } else onDrop({ bytes: dropped, head });
        held = [];
        passed = 0;
        start = newline + 1;
      }
      done();
    },
    flush(done: TransformCallback) {
      if (passed > 0) this.push(Buffer.concat(held));
      else if (passed < 0) onDrop({ bytes: dropped, head });
      done();
    },
  });
}

/**
 * The id of a JSON-RPC request from the start of its line, when it comes before `params` (as
 * clients write it), so a dropped request can still be answered; undefined otherwise.
 */
export function requestIdOf(head: string): string | number | undefined {
  const params = head.indexOf('"params"');
  const before = params < 0 ? head : head.slice(0, params);
  const match = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,15})\s*[,}]/.exec(before);
  if (!match) return undefined;
  return JSON.parse(match[1]!) as string | number;
}
