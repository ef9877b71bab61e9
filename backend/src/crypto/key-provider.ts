/**
 * Where the key-encryption key (KEK) lives. Data keys (one per org, see data-keys.ts) are random
 * AES-256 keys stored only wrapped by the KEK; the KEK never leaves its provider (a local key file,
 * or Azure Key Vault). A wrapped key names the KEK version that wrapped it, so after a rotation old
 * wraps still open until they are re-wrapped and the old version retired (docs/decisions/015).
 */
export interface WrappedKey {
  /** The provider's name for the KEK (local: "local-file"; Key Vault: the key's URL without version). */
  kekId: string;
  /** The KEK version that wrapped this key. */
  kekVersion: string;
  /** Wrapping algorithm as the provider names it (A256GCM for the key file, RSA-OAEP-256 in Key Vault). */
  algorithm: string;
  wrapped: Buffer;
}

export interface KeyProvider {
  /** "local-file" or "azure-key-vault": stored with each wrap. */
  readonly kind: string;
  /** The KEK and version new wraps use. */
  current(): Promise<{ kekId: string; kekVersion: string }>;
  /** Wraps a data key under the current KEK version. */
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  /** Unwraps with the version the wrap names; a retired or unknown version throws `crypto.key_unavailable`. */
  unwrap(w: WrappedKey): Promise<Buffer>;
}
