import { chromium, type Browser } from '@playwright/test';

export const CHROMIUM = process.env.FE_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
];

/** A separate Chromium process; `micWav` (16-bit PCM) is its microphone, played once. */
export function launchChromium(micWav?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...(micWav ? [`--use-file-for-fake-audio-capture=${micWav}%noloop`] : [])],
  });
}

/** Page errors and console errors, printed with the test output (they explain a blank page). */
export function echoConsole(page: import('@playwright/test').Page, name: string) {
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[${name}] ${m.type()}: ${m.text()}`);
  });
}
