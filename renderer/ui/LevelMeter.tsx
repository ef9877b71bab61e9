/** A level in dBFS shown as a meter from −60 to 0 dB. */
export function LevelMeter({ label, dbfs }: { label: string; dbfs: number }) {
  const v = Math.max(0, Math.min(60, dbfs + 60));
  return (
    <label className="level">
      <span>{label}</span>
      <meter min={0} max={60} low={42} high={54} optimum={30} value={v} aria-valuetext={`${Math.round(dbfs)} dBFS`} />
    </label>
  );
}
