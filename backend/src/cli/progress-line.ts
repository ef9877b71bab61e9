/** A single progress line on stderr: "[#####-----]  45% transcribing". Plain lines when not a TTY. */
export function createProgressLine(stream: NodeJS.WriteStream = process.stderr) {
  let last = '';
  return {
    update(fraction: number, label: string) {
      const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${label}`;
      if (line === last) return;
      last = line;
      if (stream.isTTY) stream.write(`\r${line.padEnd(stream.columns ? Math.min(stream.columns - 1, 100) : 80)}`);
      else stream.write(`${line}\n`);
    },
    done() {
      if (stream.isTTY && last) stream.write('\n');
      last = '';
    },
  };
}
