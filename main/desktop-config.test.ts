import { describe, expect, it } from 'vitest';
import { parseDesktopConfig } from './desktop-config';

const where = { userDataDir: '/home/u/.config/Feedback', appDir: '/opt/feedback/resources/app' };

describe('desktop config', () => {
  it('loads the packaged renderer from the app folder, served at app://renderer/, by default', () => {
    expect(parseDesktopConfig({}, where)).toEqual({
      dataDir: '/home/u/.config/Feedback',
      appUrl: 'app://renderer/index.html',
      rendererDir: '/opt/feedback/resources/app/dist/renderer',
      devServerUrl: undefined,
      preloadPath: '/opt/feedback/resources/app/dist/main/preload.cjs',
      externalHosts: [],
      sttModelPath: '/home/u/.config/Feedback/models/ggml-tiny.en.bin',
    });
  });

  it('takes a local dev server, a data folder and external hosts', () => {
    const c = parseDesktopConfig({ FE_RENDERER_DEV_URL: 'http://localhost:5173', FE_DESKTOP_DATA_DIR: '/tmp/d', FE_EXTERNAL_HOSTS: 'help.example.org, *.docs.example.org' }, where);
    expect(c).toMatchObject({ appUrl: 'app://renderer/index.html', devServerUrl: 'http://localhost:5173', dataDir: '/tmp/d', externalHosts: ['help.example.org', '*.docs.example.org'] });
  });

  it('takes the draft transcript model from FE_STT_MODEL_PATH, else from the data folder', () => {
    expect(parseDesktopConfig({ FE_STT_MODEL_PATH: '/m/ggml-base.en.bin' }, where).sttModelPath).toBe('/m/ggml-base.en.bin');
    expect(parseDesktopConfig({ FE_DESKTOP_DATA_DIR: '/tmp/d' }, where).sttModelPath).toBe('/tmp/d/models/ggml-tiny.en.bin');
  });

  it('refuses a remote dev server URL, naming the key', () => {
    expect(() => parseDesktopConfig({ FE_RENDERER_DEV_URL: 'https://evil.example' }, where)).toThrow(/FE_RENDERER_DEV_URL/);
  });
});
