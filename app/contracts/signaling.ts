import { z } from 'zod';
import { ConsentInput, Id } from './api';
import { lineText } from './text';

/**
 * Call signaling: guest invites over HTTP, then one WebSocket per participant at
 * `SIGNAL_PATH?session=<id>` (token as `Authorization: Bearer` or `access_token` query).
 * One room per session, at most two participants: the owner on channel 0, the guest on channel 1.
 */
export const SIGNAL_PATH = '/v1/signal';
export const SIGNAL_PROTOCOL = 1;
/** Largest `signal` message accepted (serialized bytes); SDP offers with candidates stay far below. */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Guest tokens carry this prefix so a server knows which resolver to ask. */
export const GUEST_TOKEN_PREFIX = 'feg_';

/**
 * WebSocket close codes: 4000 + the HTTP status of the refusal, so a browser (which cannot read
 * the refused upgrade's body) still learns why; the preceding `error` message carries the code.
 */
export const SignalCloseCode = {
  bye: 1000,
  replaced: 4000,
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  notFound: 4404,
  roomFull: 4409,
  tooManyConnections: 4429,
  consentMissing: 4422,
} as const;

// ---- HTTP: invites and guest join ----

export const CreateInviteResponse = z.object({
  inviteId: Id,
  sessionId: Id,
  /** 12 characters of Crockford base32 (60 random bits), redeemable once; redeeming ignores case, spaces and hyphens. */
  code: z.string(),
  /** Path of the web client's join page, relative to the server's public URL. */
  path: z.string(),
  expiresAt: z.string(),
});
export type CreateInviteResponse = z.infer<typeof CreateInviteResponse>;

/** The guest's own consent; `given` must be true or the join is refused with consent.missing. */
export const GuestConsent = z.object({ given: z.boolean(), method: ConsentInput.shape.method, textVersion: ConsentInput.shape.textVersion });

export const JoinRequest = z.object({
  code: lineText().trim().min(1).max(40),
  displayName: lineText().trim().min(1).max(200),
  consent: GuestConsent.optional(),
});
export type JoinRequest = z.infer<typeof JoinRequest>;

export const JoinResponse = z.object({
  /** Bearer token for the signaling WebSocket of this one session only; not valid for the rest of the API. */
  guestToken: z.string(),
  expiresAt: z.string(),
  sessionId: Id,
  channel: z.literal(1),
  displayName: z.string(),
  /** `SIGNAL_PATH?session=<id>`, to open with the guest token. */
  signalPath: z.string(),
});
export type JoinResponse = z.infer<typeof JoinResponse>;

// ---- WebSocket messages ----

export const SignalRole = z.enum(['owner', 'guest']);
export type SignalRole = z.infer<typeof SignalRole>;
export const SignalChannel = z.union([z.literal(0), z.literal(1)]);

/** RTCIceServer as the browser's RTCPeerConnection takes it. */
export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

export const PeerInfo = z.object({ role: SignalRole, channel: SignalChannel, displayName: z.string() });
export type PeerInfo = z.infer<typeof PeerInfo>;

/** simple-peer's signal data (offer, answer, candidate, renegotiate…): relayed as is, never interpreted. */
export const SignalData = z.record(z.string(), z.unknown());

export const ClientJoin = z.object({ type: z.literal('join'), protocol: z.literal(SIGNAL_PROTOCOL).default(SIGNAL_PROTOCOL) });
export const ClientSignal = z.object({ type: z.literal('signal'), data: SignalData });
export const ClientBye = z.object({ type: z.literal('bye') });
export const ClientPing = z.object({ type: z.literal('ping'), t: z.number().optional() });
export const SignalClientMessage = z.discriminatedUnion('type', [ClientJoin, ClientSignal, ClientBye, ClientPing]);
export type SignalClientMessage = z.input<typeof SignalClientMessage>;

export const ServerJoined = z.object({
  type: z.literal('joined'),
  sessionId: Id,
  role: SignalRole,
  channel: SignalChannel,
  displayName: z.string(),
  /** The other participant, when already in the room. */
  peer: PeerInfo.nullable(),
  /** True when the peer is present: the newcomer starts the offer (simple-peer `initiator`). */
  initiator: z.boolean(),
  iceServers: z.array(IceServer),
  /** When the TURN credentials stop working (null without TURN). */
  iceExpiresAt: z.string().nullable(),
});
/** The peer arrived (or came back on a new connection: then drop the old RTCPeerConnection and answer anew). */
export const ServerPeerJoined = z.object({ type: z.literal('peer-joined'), peer: PeerInfo, reconnected: z.boolean() });
/**
 * The peer left: `bye` (hung up), `disconnected` (their signaling dropped; the media may still flow and
 * they may come back), `removed` (the server ended their access: token revoked, user deactivated,
 * session deleted; they will not come back, so end the media too).
 */
export const ServerPeerLeft = z.object({ type: z.literal('peer-left'), peer: PeerInfo, reason: z.enum(['bye', 'disconnected', 'removed']) });
export const ServerSignal = z.object({ type: z.literal('signal'), from: SignalRole, data: SignalData });
export const ServerError = z.object({ type: z.literal('error'), code: z.string(), message: z.string() });
export const ServerPong = z.object({ type: z.literal('pong'), t: z.number().optional() });
export const SignalServerMessage = z.discriminatedUnion('type', [ServerJoined, ServerPeerJoined, ServerPeerLeft, ServerSignal, ServerError, ServerPong]);
export type SignalServerMessage = z.infer<typeof SignalServerMessage>;
export type SignalServerMessageOf<T extends SignalServerMessage['type']> = Extract<SignalServerMessage, { type: T }>;
