import { AppError } from '../../../app/contracts/errors';
import { isUuid } from '../db/database';

export const LOCAL_BLOB_SCHEME = 'local-blob://';

/** `local-blob://<orgId>/<key>`; the key's segments are plain names (no `..`, no empty parts). */
export function blobUriOf(orgId: string, key: string): string {
  if (!isUuid(orgId) || key.split('/').some((p) => p === '..' || p === '.' || p === '' || !/^[\w.-]+$/.test(p))) {
    throw new AppError('request.invalid', `Invalid blob key ${orgId}/${key}`);
  }
  return `${LOCAL_BLOB_SCHEME}${orgId}/${key}`;
}

/** The org and key a URI names; `request.invalid` for anything that is not a well-formed blob URI. */
export function parseBlobUri(uri: string): { orgId: string; key: string } {
  if (!uri.startsWith(LOCAL_BLOB_SCHEME)) throw new AppError('request.invalid', `Not a local blob URI: ${uri}`);
  const rest = uri.slice(LOCAL_BLOB_SCHEME.length);
  const slash = rest.indexOf('/');
  const orgId = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  blobUriOf(orgId, key);
  return { orgId, key };
}

/**
 * The key of a reference the caller may read: its org must be the caller's. Checked before the
 * file is opened, so a worker handed another org's reference reads nothing.
 */
export function keyInOrg(orgId: string, uri: string): string {
  const parsed = parseBlobUri(uri);
  if (parsed.orgId !== orgId) throw new AppError('blob.foreign_org', `Blob ${uri} belongs to another organisation than ${orgId}`, { details: { uri, orgId } });
  return parsed.key;
}
