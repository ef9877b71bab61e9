import type { Config } from '../config';
import { createAzureKeyVaultProvider } from './azure-key-vault';
import type { KeyProvider } from './key-provider';
import { createLocalKeyFileProvider, ensureKeyFile, readKeyFile } from './local-key-file';

/**
 * The configured key-encryption key provider, checked before anything is served. The local key file
 * is created on the first embedded start (with a log line: it must be backed up apart from the
 * data); against an external database a missing key file stops the start instead, because a new
 * key could not open the data keys already stored there (`feedback keys init` creates one).
 */
export async function openKeyProvider(config: Config, log: (msg: string) => void = () => undefined): Promise<KeyProvider> {
  if (config.keyProvider === 'azure-key-vault') {
    const provider = createAzureKeyVaultProvider({
      keyUrl: config.azureKeyVaultKeyUrl!,
      tenantId: config.azureTenantId!,
      clientId: config.azureClientId!,
      clientSecret: config.azureClientSecret!,
      authorityHost: config.azureAuthorityHost,
    });
    const { kekId, kekVersion } = await provider.current();
    log(`key-encryption key: Azure Key Vault ${kekId} version ${kekVersion}`);
    return provider;
  }
  const file = config.derived.kekFile;
  if (config.derived.embedded.postgres) {
    if (await ensureKeyFile(file)) log(`created the key-encryption key file ${file} (mode 600); back it up apart from the data folder: without it nothing stored can be read`);
  }
  const f = await readKeyFile(file);
  log(`key-encryption key: ${file} version ${f.current}`);
  return createLocalKeyFileProvider({ file });
}
