/**
 * How a call recovers when its media path drops: pure decisions, so they can be tested without a
 * browser. One side drives every recovery (the session owner), so two offers never cross.
 */

export interface RecoveryConfig {
  disconnectGraceMs: number;
  attemptMs: number;
  maxAttempts: number;
}

export const RECOVERY: RecoveryConfig = {
  /** A 'disconnected' ICE state often heals by itself; restart only when it lasts this long. */
  disconnectGraceMs: 2_000,
  /** Time one attempt gets before the next (a restart over a working path takes well under 1 s). */
  attemptMs: 5_000,
  /** After this many attempts the call gives up with `call.reconnect_failed`. */
  maxAttempts: 8,
};

export type RecoveryAction =
  /** Nobody to talk to yet (our signaling is down, or the peer left the room): only count the attempt. */
  | 'wait'
  /** Our RTCPeerConnection is the offerer and still alive: restartIce() and renegotiate it. */
  | 'restart-in-place'
  /** The peer's RTCPeerConnection is the offerer: ask it to restart ICE in place. */
  | 'ask-peer-restart'
  /** Replace the RTCPeerConnection: a new one, offered by us. */
  | 'rebuild'
  | 'give-up';

export interface RecoverySituation {
  role: 'owner' | 'guest';
  /** 1-based number of the attempt about to be made. */
  attempt: number;
  maxAttempts: number;
  signalingUp: boolean;
  peerPresent: boolean;
  /** Our current peer connection exists and is not destroyed. */
  peerAlive: boolean;
  /** Our current peer connection made the offer (simple-peer `initiator`). */
  weOffered: boolean;
}

/**
 * What the attempt does. The first attempt tries an in-place ICE restart (keeps the tracks, new
 * candidates); later ones replace the connection, because an in-place restart can stall when an
 * earlier offer was never answered. The guest never acts: it follows the owner's offers.
 */
export function recoveryAction(s: RecoverySituation): RecoveryAction {
  if (s.attempt > s.maxAttempts) return 'give-up';
  if (s.role !== 'owner' || !s.signalingUp || !s.peerPresent) return 'wait';
  if (s.attempt === 1 && s.peerAlive) return s.weOffered ? 'restart-in-place' : 'ask-peer-restart';
  return 'rebuild';
}

export type OfferRouting = 'to-current' | 'replace-current' | 'ignore';

/**
 * Where an incoming offer goes. Every signal carries the id of the RTCPeerConnection it belongs to:
 * an offer for our current connection is a renegotiation (e.g. an ICE restart); an offer for another
 * id replaces our connection, except on the owner while its own replacement offer is pending (the
 * owner wins a crossing of offers; the guest yields).
 */
export function routeOffer(s: { role: 'owner' | 'guest'; currentPcId: string | null; offerPcId: string; ownRebuildPending: boolean }): OfferRouting {
  if (s.currentPcId !== null && s.offerPcId === s.currentPcId) return 'to-current';
  if (s.role === 'owner' && s.ownRebuildPending) return 'ignore';
  return 'replace-current';
}

/** Delay before signaling reconnect attempt `n` (1-based): 0.5, 1, 2, 4 s, then 4 s. */
export function signalingBackoffMs(n: number): number {
  return Math.min(4_000, 500 * 2 ** Math.max(0, n - 1));
}
