import { useEffect, useState } from 'react';
import type { ManagedSettings, Settings } from '../../app/contracts/ipc/settings';
import type { UpdateStatus } from '../../app/contracts/ipc/update';
import { desktopApi } from '../platform/desktop-platform';
import { ProgressBar } from './ProgressBar';

/** The desktop's settings and updates: values IT manages by policy are shown as such and cannot be edited. */
export function DesktopSettings() {
  const api = desktopApi();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [managed, setManaged] = useState<ManagedSettings | null>(null);
  const [update, setUpdate] = useState<UpdateStatus | null>(null);
  useEffect(() => {
    if (!api) return;
    void api.send('settings:get', {}).then((r) => r.ok && setSettings(r.value));
    void api.send('settings:managed', {}).then((r) => r.ok && setManaged(r.value));
    void api.send('update:status', {}).then((r) => r.ok && setUpdate(r.value));
    const offs = [api.on('update:changed', setUpdate), api.on('settings:changed', setSettings)];
    return () => offs.forEach((off) => off());
  }, [api]);
  if (!api || !settings) return null;
  const isManaged = (field: string) => managed?.fields.includes(field) ?? false;
  const badge = (field: string) => (isManaged(field) ? <span className="help"> — managed by your organisation</span> : null);
  return (
    <section aria-label="Settings" className="desktop-settings">
      <h2>Settings</h2>
      <p>
        Backend: <code>{settings.backendUrl}</code>
        {badge('backendUrl')}
      </p>
      {managed && managed.fields.length > 0 ? <p className="help">Managed: {managed.fields.join(', ')} ({managed.source})</p> : null}
      {update ? (
        <div>
          <p>
            Updates ({update.channel}{badge('updateChannel')}): {update.phase === 'disabled' ? 'managed by IT' : update.phase}
            {update.version ? ` ${update.version}` : ''}
            {update.error ? ` — ${update.error.message}` : ''}
          </p>
          {update.phase === 'downloading' ? <ProgressBar label="Update download" value={(update.percent ?? 0) / 100} /> : null}
          {update.phase === 'downloaded' ? (
            update.installWhenIdle ? (
              <p className="help">Will restart and update when the call or recording ends.</p>
            ) : (
              <button type="button" onClick={() => void api.send('update:install', {}).then((r) => r.ok && setUpdate(r.value))}>
                {update.busy ? 'Update after this call' : 'Restart and update'}
              </button>
            )
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
