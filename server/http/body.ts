import type { IncomingMessage } from 'node:http';
import { HeraldError } from '../../shared/errors';

/**
 * The client went away before its body arrived (closed the connection, aborted the upload). Not a
 * fault of Herald's: logged at debug level, and nothing is answered (nobody is there to read it).
 */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

/**
 * Reads a JSON request body of at most `maxBytes`. Refuses early on a too-large Content-Length,
 * a non-JSON content type, or malformed JSON; never buffers more than `maxBytes`.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HeraldError('UNSUPPORTED_MEDIA_TYPE');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HeraldError('PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) throw new HeraldError('PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
      chunks.push(buffer);
    }
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    // 'aborted' / ECONNRESET: the stream failed because the client left.
    throw new RequestAbortedError(`the client aborted the request body (${(err as Error).message})`, { cause: err });
  }
  if (!req.complete) throw new RequestAbortedError('the client aborted the request body');
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HeraldError('BAD_REQUEST', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new HeraldError('BAD_REQUEST', 'the body is not valid JSON');
  }
}
