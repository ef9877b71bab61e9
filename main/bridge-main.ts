import path from 'node:path';
import { parseArgs } from 'node:util';
import { DesktopContract, DesktopEvents } from '../app/contracts/ipc/desktop';
import { startWsBridge } from './adapters/ws-bridge';
import { draftModelPath } from './desktop-config';
import { createDesktopFeatures } from './features/desktop-features';
import { loadOrCreateKeyFile } from './platform/node-secret-key';
import { createAesGcmCipher } from './services/secret-store';

/**
 * The main-process features without Electron, behind the WebSocket bridge: for the browser harness
 * and e2e tests. `npx tsx main/bridge-main.ts --data-dir <dir> [--port 0] [--backend-url URL] [--stt-model PATH]`
 * (the draft transcript's model; default <data-dir>/models/ggml-tiny.en.bin)
 * prints one JSON line `{ "url", "token" }` on stdout, then serves until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string', default: '0' }, 'backend-url': { type: 'string' }, 'stt-model': { type: 'string' } } });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');
  const key = await loadOrCreateKeyFile(path.join(dataDir, 'secret.key'));
  const features = createDesktopFeatures({ dataDir, secretCipher: createAesGcmCipher(key, 'aes-256-gcm:keyfile'), draftTranscriber: { modelPath: values['stt-model'] ?? draftModelPath(dataDir) } });
  if (values['backend-url']) await features.handlers['settings:update']({ backendUrl: values['backend-url'] });
  const bridge = await startWsBridge({ contract: DesktopContract, handlers: features.handlers, events: features.events, eventNames: Object.keys(DesktopEvents), port: Number(values.port) });
  features.start();
  process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token })}\n`);
  const stop = async () => {
    await bridge.close();
    await features.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
