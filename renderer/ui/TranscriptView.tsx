import type { SessionView } from '../../app/contracts/api';
import type { Segment } from '../../app/transcript/transcript';

const clock = (t: number) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;

/** Channel = speaker: each line is attributed by the channel it was spoken on. */
export function TranscriptView({ title, segments, session }: { title: string; segments: Segment[]; session: SessionView }) {
  const name = (ch: 0 | 1) => session.participants.find((p) => p.channel === ch)?.displayName ?? `Channel ${ch}`;
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      {segments.length === 0 ? (
        <p>No speech found.</p>
      ) : (
        <ol className="transcript">
          {segments.map((s, i) => (
            <li key={i} data-channel={s.channel} className={`speaker-${s.channel}`}>
              <time>{clock(s.start)}</time> <strong className="speaker">{name(s.channel)}:</strong> <span className="text">{s.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
