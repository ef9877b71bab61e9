import { describe, expect, it } from 'vitest';
import { checkIceConfig, iceServersFor, turnCredential } from './ice-servers';

// Computed independently:
//   echo -n "1767225600:3f2a8c1e-5b7d-4e29-9a41-0c6d2e8f7b13" | openssl dgst -sha1 -hmac "coturn-shared-secret-for-tests" -binary | base64
const SECRET = 'coturn-shared-secret-for-tests';
const SESSION = '3f2a8c1e-5b7d-4e29-9a41-0c6d2e8f7b13';
const OPENSSL_CREDENTIAL = 'PJ2E7vGMM/m78Qp+ougxIymKAUg=';

describe('ICE servers', () => {
  it('makes the coturn REST credential that openssl computes for the same username and secret', () => {
    expect(turnCredential(SECRET, SESSION, 1767225600)).toEqual({ username: `1767225600:${SESSION}`, credential: OPENSSL_CREDENTIAL });
  });

  it('hands out STUN as is and TURN with a credential that expires after the TTL', () => {
    const now = new Date('2025-12-31T23:00:00.000Z');
    const r = iceServersFor({ stunUrls: ['stun:stun.example.org:3478'], turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], turnSecret: SECRET, turnTtlSec: 3600 }, SESSION, now);
    expect(r).toEqual({
      iceServers: [
        { urls: ['stun:stun.example.org:3478'] },
        { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], username: `1767225600:${SESSION}`, credential: OPENSSL_CREDENTIAL },
      ],
      expiresAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('gives no servers when none are configured (host candidates only, e.g. on one machine)', () => {
    expect(iceServersFor({ stunUrls: [], turnUrls: [], turnTtlSec: 60 }, SESSION)).toEqual({ iceServers: [], expiresAt: null });
  });

  it('refuses TURN without a secret and URLs of the wrong scheme, naming the key', () => {
    expect(() => checkIceConfig({ stunUrls: [], turnUrls: ['turn:t.example.org'], turnTtlSec: 60 })).toThrow(/FE_TURN_SECRET/);
    expect(() => checkIceConfig({ stunUrls: ['turn:t.example.org'], turnUrls: [], turnTtlSec: 60 })).toThrow(/turn:t\.example\.org/);
    expect(checkIceConfig({ stunUrls: ['stun:s.example.org'], turnUrls: ['turns:t.example.org'], turnSecret: 's', turnTtlSec: 60 }).turnUrls).toEqual(['turns:t.example.org']);
  });
});
