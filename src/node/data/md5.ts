// A file's MD5, on its own so that the loader (files.ts), the verifier and the downloader share it
// without importing each other.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** MD5 of a file, streamed (MedMNIST+ files reach several GB at 224 px). */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
