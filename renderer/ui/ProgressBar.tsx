export function ProgressBar({ label, value, text }: { label: string; value: number; text?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className="progress">
      <progress aria-label={label} max={100} value={pct} />
      <span aria-live="polite">{text ?? `${pct} %`}</span>
    </div>
  );
}
