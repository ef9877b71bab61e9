import SimplePeer, { type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';
import type { PeerInfo, SignalServerMessage } from '../../app/contracts/signaling';
import { openSignaling, type SignalRefusal, type SignalingConnection } from './signaling-client';

export type CallState = 'connecting' | 'waiting' | 'connected' | 'reconnecting' | 'ended' | 'refused';

export interface CallEvents {
  onState(state: CallState, detail?: SignalRefusal): void;
  onPeer(peer: PeerInfo | null): void;
  onRemoteStream(stream: MediaStream | null): void;
}

/**
 * A two-party call: the signaling room decides who offers (the newcomer, `initiator`), simple-peer
 * carries the audio. When the other side comes back on a new connection the old peer connection is
 * dropped and a new one negotiated; a failed ICE connection shows as `reconnecting` meanwhile.
 */
export function startCall(opts: { base: string; sessionId: string; token: string; localStream: MediaStream } & CallEvents) {
  let peer: SimplePeerInstance | null = null;
  let iceServers: RTCIceServer[] = [];
  let ended = false;

  const newPeer = (initiator: boolean) => {
    peer?.destroy();
    opts.onRemoteStream(null);
    const p = new SimplePeer({ initiator, stream: opts.localStream, trickle: true, config: { iceServers } });
    peer = p;
    p.on('signal', (data) => sig.signal(data));
    p.on('stream', (s) => opts.onRemoteStream(s));
    p.on('connect', () => opts.onState('connected'));
    p.on('iceStateChange', (ice) => {
      if (peer !== p || ended) return;
      if (ice === 'disconnected' || ice === 'failed') opts.onState('reconnecting');
      if (ice === 'connected' || ice === 'completed') opts.onState('connected');
    });
    p.on('error', () => {
      if (peer === p && !ended) opts.onState('reconnecting');
    });
    p.on('close', () => {
      if (peer === p) peer = null;
    });
    return p;
  };

  const onMessage = (m: SignalServerMessage) => {
    switch (m.type) {
      case 'joined':
        iceServers = m.iceServers as RTCIceServer[];
        opts.onPeer(m.peer);
        if (m.initiator) {
          opts.onState('connecting');
          newPeer(true);
        } else opts.onState('waiting');
        break;
      case 'peer-joined':
        // The newcomer offers; drop any stale connection and wait for its offer.
        opts.onPeer(m.peer);
        peer?.destroy();
        peer = null;
        opts.onRemoteStream(null);
        opts.onState('connecting');
        break;
      case 'peer-left':
        peer?.destroy();
        peer = null;
        opts.onPeer(null);
        opts.onRemoteStream(null);
        opts.onState('waiting');
        break;
      case 'signal':
        (peer ?? newPeer(false)).signal(m.data);
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
    onClose(refusal) {
      if (ended) return;
      ended = true;
      peer?.destroy();
      opts.onState(refusal ? 'refused' : 'ended', refusal ?? undefined);
    },
  });

  return {
    hangUp() {
      ended = true;
      peer?.destroy();
      sig.bye();
      opts.onState('ended');
    },
  };
}
