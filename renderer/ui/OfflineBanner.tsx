import { useApp } from './app-context';

export function OfflineBanner() {
  const online = useApp((s) => s.online);
  const waiting = useApp((s) => s.uploads.filter((u) => u.state === 'waiting' || u.state === 'queued').length);
  if (online) return null;
  return (
    <div role="status" className="offline-banner">
      You are offline. {waiting ? `${waiting} upload${waiting > 1 ? 's' : ''} queued: they continue when the network is back.` : 'Uploads wait until the network is back.'}
    </div>
  );
}
