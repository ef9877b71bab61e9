import type { SignalParticipant } from './signal-admission';

export interface RoomMember<S> {
  socket: S;
  who: SignalParticipant;
}

export type JoinOutcome<S> =
  | { ok: true; peer: RoomMember<S> | null; replaced: S | null }
  | { ok: false; holder: SignalParticipant };

/**
 * One room per session with a seat per channel. A seat is taken by one participant; the same
 * participant (same key) coming back on a new socket replaces their old one; anyone else is refused.
 * In memory: one API process holds every room of the sessions it serves.
 */
export class SignalingRooms<S> {
  private readonly rooms = new Map<string, [RoomMember<S> | null, RoomMember<S> | null]>();
  private readonly seats = new Map<S, SignalParticipant>();

  join(who: SignalParticipant, socket: S): JoinOutcome<S> {
    const room = this.rooms.get(who.sessionId) ?? [null, null];
    const seat = room[who.channel];
    if (seat && seat.who.key !== who.key) return { ok: false, holder: seat.who };
    if (seat) this.seats.delete(seat.socket);
    room[who.channel] = { socket, who };
    this.rooms.set(who.sessionId, room);
    this.seats.set(socket, who);
    return { ok: true, peer: room[who.channel === 0 ? 1 : 0], replaced: seat ? seat.socket : null };
  }

  /** Frees the socket's seat (if it still holds one) and says who is left in the room. */
  leave(socket: S): { who: SignalParticipant; peer: RoomMember<S> | null } | null {
    const who = this.seats.get(socket);
    if (!who) return null;
    this.seats.delete(socket);
    const room = this.rooms.get(who.sessionId)!;
    room[who.channel] = null;
    const peer = room[who.channel === 0 ? 1 : 0];
    if (!peer) this.rooms.delete(who.sessionId);
    return { who, peer };
  }

  seatOf(socket: S): SignalParticipant | null {
    return this.seats.get(socket) ?? null;
  }

  peerOf(socket: S): RoomMember<S> | null {
    const who = this.seats.get(socket);
    return who ? (this.rooms.get(who.sessionId)?.[who.channel === 0 ? 1 : 0] ?? null) : null;
  }

  /** Who is seated in a session's room (for status and tests). */
  members(sessionId: string): SignalParticipant[] {
    return (this.rooms.get(sessionId) ?? []).flatMap((m) => (m ? [m.who] : []));
  }

  get roomCount(): number {
    return this.rooms.size;
  }
}
