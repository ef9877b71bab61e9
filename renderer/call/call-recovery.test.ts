import { describe, expect, it } from 'vitest';
import { RECOVERY, recoveryAction, routeOffer, signalingBackoffMs, type RecoverySituation } from './call-recovery';

const owner: RecoverySituation = { role: 'owner', attempt: 1, maxAttempts: 8, signalingUp: true, peerPresent: true, peerAlive: true, weOffered: true };

describe('recoveryAction', () => {
  it('restarts ICE in place on the first attempt when the owner made the offer', () => {
    expect(recoveryAction(owner)).toBe('restart-in-place');
  });

  it('asks the guest to restart when the guest made the offer of the live connection', () => {
    expect(recoveryAction({ ...owner, weOffered: false })).toBe('ask-peer-restart');
  });

  it('replaces the connection from the second attempt on, or at once when the old one is destroyed', () => {
    expect(recoveryAction({ ...owner, attempt: 2 })).toBe('rebuild');
    expect(recoveryAction({ ...owner, attempt: 1, peerAlive: false })).toBe('rebuild');
  });

  it('only counts while signaling is down or the peer is out of the room', () => {
    expect(recoveryAction({ ...owner, signalingUp: false })).toBe('wait');
    expect(recoveryAction({ ...owner, attempt: 3, peerPresent: false })).toBe('wait');
  });

  it('leaves every action to the owner: the guest only counts', () => {
    for (let attempt = 1; attempt <= 8; attempt++) expect(recoveryAction({ ...owner, role: 'guest', attempt })).toBe('wait');
  });

  it('gives up after the last attempt, on either side', () => {
    expect(recoveryAction({ ...owner, attempt: 9 })).toBe('give-up');
    expect(recoveryAction({ ...owner, role: 'guest', attempt: 9 })).toBe('give-up');
    expect(recoveryAction({ ...owner, attempt: RECOVERY.maxAttempts })).not.toBe('give-up');
  });
});

describe('routeOffer', () => {
  it('sends an offer for the current connection into it (an ICE restart keeps the connection)', () => {
    expect(routeOffer({ role: 'guest', currentPcId: 'a', offerPcId: 'a', ownRebuildPending: false })).toBe('to-current');
  });

  it('replaces the connection for an offer with a new id, or when there is none', () => {
    expect(routeOffer({ role: 'guest', currentPcId: 'a', offerPcId: 'b', ownRebuildPending: false })).toBe('replace-current');
    expect(routeOffer({ role: 'owner', currentPcId: null, offerPcId: 'b', ownRebuildPending: false })).toBe('replace-current');
  });

  it('settles crossing offers for the owner: the owner keeps its own, the guest yields', () => {
    expect(routeOffer({ role: 'owner', currentPcId: 'mine', offerPcId: 'theirs', ownRebuildPending: true })).toBe('ignore');
    expect(routeOffer({ role: 'guest', currentPcId: 'mine', offerPcId: 'theirs', ownRebuildPending: true })).toBe('replace-current');
  });
});

describe('signalingBackoffMs', () => {
  it('doubles from half a second and stays at four seconds', () => {
    expect([1, 2, 3, 4, 5, 9].map(signalingBackoffMs)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });
});
