import { useEffect, useState, type FormEvent } from 'react';
import type { Rubric } from '../../app/rubric/rubric';
import { CONSENT_TEXT_VERSION } from '../api/api-client';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';

interface Person {
  name: string;
  role: string;
  consent: boolean;
}

export function NewSession({ navigate }: { navigate: (hash: string) => void }) {
  const api = useApp((s) => s.api);
  const me = useApp((s) => s.me);
  const putSession = useApp((s) => s.putSession);
  const [rubrics, setRubrics] = useState<Rubric[] | null>(null);
  const [title, setTitle] = useState('');
  const [rubricId, setRubricId] = useState('');
  const [owner, setOwner] = useState<Person>({ name: me?.displayName ?? '', role: 'Clinician', consent: false });
  const [other, setOther] = useState<Person>({ name: '', role: 'Patient', consent: false });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const h = useFocusHeading<HTMLHeadingElement>();

  useEffect(() => {
    api.rubrics().then((r) => {
      setRubrics(r);
      if (r[0]) setRubricId((cur) => cur || r[0]!.id);
    }, setError);
  }, [api]);

  const consent = { given: true as const, method: 'in_app' as const, textVersion: CONSENT_TEXT_VERSION };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api.createSession({
        title,
        rubricId,
        participants: [
          { channel: 0, displayName: owner.name, roleLabel: owner.role, consent },
          { channel: 1, displayName: other.name, roleLabel: other.role, consent },
        ],
      });
      putSession(s);
      navigate(`#/sessions/${s.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const person = (id: string, legend: string, p: Person, set: (p: Person) => void, consentLabel: string) => (
    <fieldset>
      <legend>{legend}</legend>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} required value={p.name} onChange={(e) => set({ ...p, name: e.target.value })} />
      <label htmlFor={`${id}-role`}>Role</label>
      <input id={`${id}-role`} required value={p.role} onChange={(e) => set({ ...p, role: e.target.value })} />
      <label className="checkbox">
        <input id={`${id}-consent`} type="checkbox" required checked={p.consent} onChange={(e) => set({ ...p, consent: e.target.checked })} /> {consentLabel}
      </label>
    </fieldset>
  );

  return (
    <main>
      <h1 tabIndex={-1} ref={h}>New session</h1>
      <form onSubmit={submit}>
        <label htmlFor="title">Title</label>
        <input id="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
        <label htmlFor="rubric">Rubric</label>
        <select id="rubric" required value={rubricId} onChange={(e) => setRubricId(e.target.value)} disabled={!rubrics}>
          {(rubrics ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.title}
            </option>
          ))}
        </select>
        {person('owner', 'You (channel 0)', owner, setOwner, 'I consent to this session being recorded and evaluated.')}
        {person('other', 'Other participant (channel 1)', other, setOther, 'The other participant consents to this session being recorded and evaluated (a guest joining by call confirms it again when joining).')}
        <button type="submit" disabled={busy || !rubricId}>
          {busy ? 'Creating…' : 'Create session'}
        </button>
      </form>
      <ErrorMessage error={error} context="Could not create the session" />
    </main>
  );
}
