/**
 * The Litmus page's permalink: `#litmus=<data>`, the test's text compressed with deflate-raw
 * (CompressionStream) and base64url-encoded. Decoding is strict: the alphabet, a cap on the
 * encoded and the decompressed size (a small link cannot inflate into megabytes), valid UTF-8,
 * no control characters but tab and newlines. The text only ever goes into the editor and to
 * the parser; it is never run as code.
 */

export const HASH_KEY = 'litmus';
/** Caps: the encoded fragment and the decompressed text (the worker accepts 20,000 characters). */
export const MAX_ENCODED = 30_000;
export const MAX_TEXT_BYTES = 20_000;

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  limit: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  void writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new RangeError(`the test in the link is longer than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The fragment (without `#`) that carries `text`. */
export async function encodeLitmusHash(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const packed = await pipe(bytes, new CompressionStream('deflate-raw'), Number.POSITIVE_INFINITY);
  return `${HASH_KEY}=${toBase64Url(packed)}`;
}

export type DecodedHash =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly message: string };

/** Whether a location hash is a Litmus permalink at all. */
export function isLitmusHash(hash: string): boolean {
  return hash.replace(/^#/, '').startsWith(`${HASH_KEY}=`);
}

/** Decodes a `#litmus=…` fragment, or says exactly why it cannot. */
export async function decodeLitmusHash(hash: string): Promise<DecodedHash> {
  const frag = hash.replace(/^#/, '');
  if (!frag.startsWith(`${HASH_KEY}=`)) return { ok: false, message: 'the link does not carry a litmus test' };
  const data = frag.slice(HASH_KEY.length + 1);
  if (data.length === 0 || data.length > MAX_ENCODED) {
    return { ok: false, message: `the link's test is empty or longer than ${MAX_ENCODED} characters` };
  }
  if (!/^[A-Za-z0-9_-]+$/.test(data))
    return { ok: false, message: 'the link contains characters a permalink never has' };
  let bytes: Uint8Array;
  try {
    bytes = await pipe(fromBase64Url(data), new DecompressionStream('deflate-raw'), MAX_TEXT_BYTES);
  } catch (e) {
    return {
      ok: false,
      message: e instanceof RangeError ? e.message : 'the link is damaged: its test cannot be decompressed',
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: 'the link is damaged: its test is not valid UTF-8 text' };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    return { ok: false, message: 'the link is damaged: its test contains control characters' };
  }
  return { ok: true, text };
}
