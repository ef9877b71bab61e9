const KEY = 'fe.signInOrg';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which organisation "Sign in with your organisation" goes to: `?org=<id>` of the link IT sends
 * (kept on this device for the next time), or the one kept from an earlier sign-in.
 */
export function signInOrgFromPage(location: Location, storage: Storage): string {
  const fromLink = new URLSearchParams(location.search).get('org');
  if (fromLink && UUID.test(fromLink)) {
    storage.setItem(KEY, fromLink);
    return fromLink;
  }
  const kept = storage.getItem(KEY);
  return kept && UUID.test(kept) ? kept : '';
}

export function keepSignInOrg(storage: Storage, orgId: string): void {
  storage.setItem(KEY, orgId);
}

export function isOrgId(s: string): boolean {
  return UUID.test(s);
}
