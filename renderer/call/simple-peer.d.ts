// The prebuilt browser bundle of simple-peer (self-contained: no Node shims needed). Only what we use.
declare module 'simple-peer/simplepeer.min.js' {
  interface SimplePeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    config?: RTCConfiguration;
    trickle?: boolean;
  }
  interface SimplePeerInstance {
    signal(data: unknown): void;
    destroy(err?: Error): void;
    on(event: 'signal', cb: (data: Record<string, unknown>) => void): this;
    on(event: 'stream', cb: (stream: MediaStream) => void): this;
    on(event: 'connect' | 'close' | 'negotiated', cb: () => void): this;
    once(event: 'negotiated', cb: () => void): this;
    on(event: 'error', cb: (err: Error & { code?: string }) => void): this;
    on(event: 'iceStateChange', cb: (iceConnectionState: RTCIceConnectionState, iceGatheringState: RTCIceGatheringState) => void): this;
    /** Renegotiates: the offerer makes a new offer, the answerer asks the offerer for one. */
    negotiate(): void;
    destroyed: boolean;
    /** True when this side made the first offer. */
    readonly initiator: boolean;
    /** The underlying connection (simple-peer keeps it public; needed for restartIce()). */
    readonly _pc: RTCPeerConnection;
  }
  const SimplePeer: new (opts?: SimplePeerOptions) => SimplePeerInstance;
  export default SimplePeer;
  export type { SimplePeerInstance, SimplePeerOptions };
}
