import { describe, expect, it } from 'vitest';
import { bridgeAddressFromPage } from './bridge-client';

function page(href: string) {
  const u = new URL(href);
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
  const replaced: string[] = [];
  const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as unknown as History;
  return { location: u as unknown as Location, storage, history, replaced };
}

describe('where the browser finds the local draft service', () => {
  it('takes a loopback bridge from the address once, keeps it for the tab and removes the token from the address bar', () => {
    const p = page('http://127.0.0.1:8080/?bridge=ws%3A%2F%2F127.0.0.1%3A4567%2F&bridgeToken=s3cret&x=1#/sessions');
    expect(bridgeAddressFromPage(p.location, p.storage, p.history)).toEqual({ url: 'ws://127.0.0.1:4567/', token: 's3cret' });
    expect(p.replaced).toEqual(['/?x=1#/sessions']);
    const later = page('http://127.0.0.1:8080/#/');
    expect(bridgeAddressFromPage(later.location, p.storage, later.history)).toEqual({ url: 'ws://127.0.0.1:4567/', token: 's3cret' });
  });

  it('refuses a bridge on another machine (a link must not send the call audio away) and has none by default', () => {
    const remote = page('http://127.0.0.1:8080/?bridge=ws%3A%2F%2Fevil.example%3A80%2F&bridgeToken=t');
    expect(bridgeAddressFromPage(remote.location, remote.storage, remote.history)).toBeNull();
    const secure = page('http://127.0.0.1:8080/?bridge=wss%3A%2F%2F10.0.0.2%2F&bridgeToken=t');
    expect(bridgeAddressFromPage(secure.location, secure.storage, secure.history)).toBeNull();
    const plain = page('http://127.0.0.1:8080/');
    expect(bridgeAddressFromPage(plain.location, plain.storage, plain.history)).toBeNull();
  });
});
