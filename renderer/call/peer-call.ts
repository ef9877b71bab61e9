import SimplePeer, { type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';
import type { PeerInfo, SignalServerMessage } from '../../app/contracts/signaling';
import { RECOVERY, recoveryAction, routeOffer, type RecoveryAction, type RecoveryConfig } from './call-recovery';
import { openSignaling, type SignalRefusal, type SignalingConnection } from './signaling-client';

export type CallState = 'connecting' | 'waiting' | 'connected' | 'reconnecting' | 'failed' | 'ended' | 'refused';

export interface CallStateInfo {
  refusal?: SignalRefusal;
  /** While reconnecting: the attempt under way (0 = not yet started) and the limit. */
  attempt?: number;
  maxAttempts?: number;
  /** What the last recovery attempt did (shown to tests and support, not to users). */
  action?: RecoveryAction;
  error?: { code: string; message: string };
  /** ICE restarts this side negotiated in place (new candidates, same connection and tracks). */
  iceRestarts?: number;
}

export interface CallEvents {
  onState(state: CallState, info?: CallStateInfo): void;
  onPeer(peer: PeerInfo | null): void;
  /** The remote audio; a recovery may replace it with a new stream (null while there is none). */
  onRemoteStream(stream: MediaStream | null): void;
}

/** Extra fields on relayed signals: which RTCPeerConnection a signal belongs to, and recovery control. */
type Relayed = Record<string, unknown> & { pcId?: string; type?: string; attempt?: number; maxAttempts?: number };

const newPcId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/**
 * A two-party call: the signaling room decides who offers first (the newcomer, `initiator`),
 * simple-peer carries the audio. When the media path drops (ICE 'failed', or 'disconnected' for
 * longer than a grace period) the session owner recovers it: an in-place ICE restart first, then
 * new peer connections, each attempt bounded in time, until `maxAttempts` and a clear error. The
 * signaling socket reconnects by itself and rejoins the room; a blip of signaling alone leaves a
 * working media path untouched.
 */
export function startCall(opts: { base: string; sessionId: string; token: string; localStream: MediaStream; recovery?: Partial<RecoveryConfig> } & CallEvents) {
  const cfg: RecoveryConfig = { ...RECOVERY, ...opts.recovery };
  let role: 'owner' | 'guest' = 'owner';
  let iceServers: RTCIceServer[] = [];
  let ended = false;
  let joined = false;
  let peerPresent = false;
  let peer: SimplePeerInstance | null = null;
  let pcId: string | null = null;
  let ownRebuildPending = false;
  let mediaUp = false;
  let attempt = 0;
  let failed = false;
  let iceRestarts = 0;
  let graceTimer: ReturnType<typeof setTimeout> | null = null;
  let attemptTimer: ReturnType<typeof setTimeout> | null = null;
  // Trickled candidates can overtake the offer of a new connection; keep them until it arrives.
  let early: { pcId: string; signals: Relayed[] } | null = null;

  const setState = (s: CallState, info?: CallStateInfo) => {
    if (!ended) opts.onState(s, { ...info, iceRestarts });
  };
  const clearTimers = () => {
    if (graceTimer) clearTimeout(graceTimer);
    if (attemptTimer) clearTimeout(attemptTimer);
    graceTimer = attemptTimer = null;
  };

  const dropPeer = () => {
    const p = peer;
    peer = null;
    pcId = null;
    ownRebuildPending = false;
    mediaUp = false;
    p?.destroy();
    opts.onRemoteStream(null);
  };

  const newPeer = (initiator: boolean, id: string) => {
    dropPeer();
    const p = new SimplePeer({ initiator, stream: opts.localStream, trickle: true, config: { iceServers } });
    peer = p;
    pcId = id;
    p.on('signal', (data) => sig.signal({ ...data, pcId: id }));
    p.on('stream', (s) => {
      if (peer === p) opts.onRemoteStream(s);
    });
    p.on('connect', () => {
      if (peer === p) up();
    });
    p.on('iceStateChange', (ice) => {
      if (peer !== p || ended) return;
      if (ice === 'connected' || ice === 'completed') up();
      else if (ice === 'disconnected') down('disconnected');
      else if (ice === 'failed') down('failed');
    });
    // simple-peer destroys itself on ICE failure or a closed channel: 'error' and/or 'close'.
    const lost = () => {
      if (peer !== p) return;
      peer = null;
      pcId = null;
      mediaUp = false;
      opts.onRemoteStream(null);
      down('failed');
    };
    p.on('error', lost);
    p.on('close', lost);
    if (early?.pcId === id) {
      for (const s of early.signals) p.signal(s);
    }
    early = null;
    return p;
  };

  const up = () => {
    mediaUp = true;
    ownRebuildPending = false;
    failed = false;
    clearTimers();
    attempt = 0;
    setState('connected');
  };

  const down = (kind: 'disconnected' | 'failed') => {
    if (ended) return;
    mediaUp = false;
    if (attempt > 0 || failed) return;
    if (kind === 'disconnected') {
      setState('reconnecting', { attempt: 0, maxAttempts: cfg.maxAttempts });
      graceTimer ??= setTimeout(() => {
        graceTimer = null;
        if (!mediaUp && attempt === 0) nextAttempt();
      }, cfg.disconnectGraceMs);
      return;
    }
    nextAttempt();
  };

  const restartInPlace = (p: SimplePeerInstance) => {
    p.once('negotiated', () => {
      if (peer !== p) return;
      iceRestarts++;
      if (mediaUp) setState('connected');
    });
    p._pc.restartIce();
    p.negotiate();
  };

  /**
   * An offer sent while the other side's signaling was down is lost, and the connection would stay
   * in have-local-offer for good (simple-peer then queues every later renegotiation behind it): send
   * the pending offer again once both sides are back in the room.
   */
  const resendPendingOffer = () => {
    const pc = peer && !peer.destroyed ? peer._pc : null;
    if (pc?.signalingState === 'have-local-offer' && pc.localDescription) sig.signal({ type: 'offer', sdp: pc.localDescription.sdp, pcId });
  };

  const giveUp = () => {
    clearTimers();
    failed = true;
    attempt = 0;
    dropPeer();
    setState('failed', {
      maxAttempts: cfg.maxAttempts,
      error: { code: 'call.reconnect_failed', message: `The connection could not be restored after ${cfg.maxAttempts} attempts. Check the network, then leave the call and join again. The recording so far is kept.` },
    });
  };

  const nextAttempt = () => {
    clearTimers();
    if (ended || mediaUp) return;
    attempt++;
    const action = recoveryAction({ role, attempt, maxAttempts: cfg.maxAttempts, signalingUp: joined, peerPresent, peerAlive: !!peer && !peer.destroyed, weOffered: !!peer?.initiator });
    if (action === 'give-up') return giveUp();
    setState('reconnecting', { attempt, maxAttempts: cfg.maxAttempts, action });
    if (role === 'owner' && joined && peerPresent) sig.signal({ type: 'recovering', attempt, maxAttempts: cfg.maxAttempts });
    if (action === 'restart-in-place') restartInPlace(peer!);
    else if (action === 'ask-peer-restart') sig.signal({ type: 'ice-restart', pcId });
    else if (action === 'rebuild') {
      newPeer(true, newPcId());
      ownRebuildPending = true;
    }
    attemptTimer = setTimeout(nextAttempt, cfg.attemptMs);
  };

  /** Gives a negotiation the other side started a full attempt's time before ours acts again. */
  const holdRecovery = (ms = cfg.attemptMs) => {
    if (attempt === 0) return;
    if (attemptTimer) clearTimeout(attemptTimer);
    attemptTimer = setTimeout(nextAttempt, ms);
  };

  const onSignal = (data: Relayed) => {
    const { pcId: id = '', ...rest } = data;
    switch (rest.type) {
      case 'recovering':
        // The owner drives; the guest shows the owner's count and keeps its own deadline behind it.
        if (role === 'guest' && !mediaUp && typeof rest.attempt === 'number') {
          attempt = rest.attempt;
          setState('reconnecting', { attempt, maxAttempts: cfg.maxAttempts });
          holdRecovery(cfg.attemptMs * 2);
        }
        return;
      case 'ice-restart':
        if (peer && !peer.destroyed && id === pcId && peer.initiator) restartInPlace(peer);
        return;
      case 'offer': {
        const route = routeOffer({ role, currentPcId: peer ? pcId : null, offerPcId: id, ownRebuildPending });
        if (route === 'ignore') return;
        if (route === 'replace-current') {
          newPeer(false, id);
          holdRecovery();
        }
        peer!.signal(rest);
        return;
      }
      default:
        if (peer && id === pcId) peer.signal(rest);
        else if (rest.type === 'candidate') {
          if (early?.pcId !== id) early = { pcId: id, signals: [] };
          if (early.signals.length < 50) early.signals.push(rest);
        }
    }
  };

  const onMessage = (m: SignalServerMessage) => {
    switch (m.type) {
      case 'joined':
        iceServers = m.iceServers as RTCIceServer[];
        role = m.role;
        joined = true;
        peerPresent = m.peer !== null;
        opts.onPeer(m.peer);
        // Back after a signaling blip with the media path still up: keep it, finish any negotiation.
        if (mediaUp && peer) {
          if (peerPresent) resendPendingOffer();
          break;
        }
        if (m.initiator) {
          if (attempt === 0) setState('connecting');
          newPeer(true, newPcId());
          ownRebuildPending = role === 'owner';
          holdRecovery();
        } else if (attempt === 0 && !failed) setState('waiting');
        break;
      case 'peer-joined':
        peerPresent = true;
        failed = false;
        opts.onPeer(m.peer);
        if (mediaUp && peer) {
          resendPendingOffer();
          break;
        }
        // The newcomer offers a new connection.
        dropPeer();
        if (attempt === 0) setState('connecting');
        holdRecovery();
        break;
      case 'peer-left':
        peerPresent = false;
        // 'removed': the server ended their access; the media path must not outlive it.
        if (m.reason === 'bye' || m.reason === 'removed') {
          clearTimers();
          attempt = 0;
          dropPeer();
          opts.onPeer(null);
          setState('waiting');
        } else if (!mediaUp) down('failed');
        // Else only their signaling dropped; the media path still works and they will rejoin.
        break;
      case 'signal':
        onSignal(m.data as Relayed);
        break;
      default:
        break;
    }
  };

  const sig: SignalingConnection = openSignaling({
    base: opts.base,
    sessionId: opts.sessionId,
    token: opts.token,
    onMessage,
    onDown() {
      joined = false;
    },
    onClose(refusal) {
      if (ended) return;
      ended = true;
      clearTimers();
      peer?.destroy();
      opts.onState(refusal ? 'refused' : 'ended', refusal ? { refusal } : undefined);
    },
  });

  return {
    hangUp() {
      if (ended) return;
      ended = true;
      clearTimers();
      // Bye first: the other side should hear "left" before it sees the connection close.
      sig.bye();
      peer?.destroy();
      opts.onState('ended');
    },
  };
}
