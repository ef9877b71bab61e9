import { z } from 'zod';

/** Large things travel as references, never as bytes in workflow history. */
export const BlobRef = z.object({ uri: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
export type BlobRef = z.infer<typeof BlobRef>;

/**
 * Encrypted blobs, each under its org (docs/decisions/015). Every read names the org the caller
 * works for: a reference into another org is refused with `blob.foreign_org` before a byte is read.
 */
export interface BlobStore {
  /** Store a file's content (encrypted at rest with the org's data key). The sha256 is of the plaintext. */
  putFile(orgId: string, key: string, srcPath: string): Promise<BlobRef>;
  putBytes(orgId: string, key: string, data: Uint8Array): Promise<BlobRef>;
  /** Read back and check the sha256; a mismatch or a failed auth tag throws `blob.corrupt`. */
  getBytes(orgId: string, ref: BlobRef): Promise<Uint8Array>;
  getToFile(orgId: string, ref: BlobRef, destPath: string): Promise<void>;
  exists(orgId: string, uri: string): Promise<boolean>;
  /** Remove a blob of the org (absent is fine). */
  remove(orgId: string, uri: string): Promise<void>;
  /**
   * Remove every blob of the org under `folder` (a key prefix such as `sessions/<id>`), except the
   * direct children named in `except`. Absent is fine. For erasure and retention.
   */
  removeFolder(orgId: string, folder: string, opts?: { except?: string[] }): Promise<void>;
  /** The reference of a stored blob (from its header), or null when absent: lets a retried step reuse its output. */
  head(orgId: string, key: string): Promise<BlobRef | null>;
}
