import type { SafeStorage } from 'electron';
import type { SecretCipher } from '../services/secret-store';

/**
 * Electron safeStorage as the secret cipher: the key lives in the OS keychain (macOS Keychain,
 * Windows DPAPI, Linux libsecret/kwallet). On Linux without a keyring Electron falls back to
 * 'basic_text' (a hard-coded key): we treat that as unavailable rather than pretend to protect.
 */
export function safeStorageCipher(safeStorage: SafeStorage, platform: string): SecretCipher {
  const backend = platform === 'linux' ? `safeStorage:${safeStorage.getSelectedStorageBackend?.() ?? 'unknown'}` : `safeStorage:${platform}`;
  return {
    backend,
    isAvailable: () => safeStorage.isEncryptionAvailable() && !(platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text'),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (data) => safeStorage.decryptString(Buffer.from(data)),
  };
}
