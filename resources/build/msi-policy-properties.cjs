// electron-builder msiProjectCreated hook: adds the MSI properties IT passes on the msiexec command
// line (BACKEND_URL, UPDATE_CHANNEL, ORG_ID, AUTO_UPDATE, LOCAL_DRAFT, PROXY_SERVER) and writes each
// one given into the machine policy, HKLM\Software\Policies\FeedbackEvaluation, which the app's
// ManagedPolicy reader reads (main/features/policy). A property not given writes nothing.
const { readFileSync, writeFileSync } = require('node:fs');

const PROPERTIES = [
  { property: 'BACKEND_URL', name: 'BackendUrl', type: 'string', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E01' },
  { property: 'UPDATE_CHANNEL', name: 'UpdateChannel', type: 'string', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E02' },
  { property: 'ORG_ID', name: 'OrgId', type: 'string', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E03' },
  { property: 'IDENTITY_PROVIDER', name: 'IdentityProvider', type: 'string', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E04' },
  { property: 'AUTO_UPDATE', name: 'AutoUpdate', type: 'integer', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E05' },
  { property: 'LOCAL_DRAFT', name: 'LocalDraft', type: 'integer', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E06' },
  { property: 'PROXY_SERVER', name: 'ProxyServer', type: 'string', guid: '6E0B6C1A-6A55-4F37-9B8F-0D3C2A1B7E07' },
];
exports.PROPERTIES = PROPERTIES;

/** The WiX (v3) source with the properties, one conditional component per policy value, and a feature holding them. */
exports.addPolicyProperties = function addPolicyProperties(wxs) {
  if (!wxs.includes('</Product>')) throw new Error('msi-policy-properties: no <Product> in the generated .wxs');
  const props = PROPERTIES.map((p) => `    <Property Id="${p.property}" Secure="yes" />`).join('\n');
  const comps = PROPERTIES.map((p) => [
    `      <Component Id="Policy${p.name}" Guid="${p.guid}" Permanent="no">`,
    `        <Condition><![CDATA[${p.property}]]></Condition>`,
    `        <RegistryValue Root="HKLM" Key="Software\\Policies\\FeedbackEvaluation" Name="${p.name}" Type="${p.type}" Value="[${p.property}]" KeyPath="yes" />`,
    '      </Component>',
  ].join('\n')).join('\n');
  const refs = PROPERTIES.map((p) => `      <ComponentRef Id="Policy${p.name}" />`).join('\n');
  const block = `${props}\n    <DirectoryRef Id="TARGETDIR">\n${comps}\n    </DirectoryRef>\n    <Feature Id="MachinePolicy" Level="1" Display="hidden" Absent="disallow">\n${refs}\n    </Feature>\n`;
  return wxs.replace('</Product>', `${block}  </Product>`);
};

exports.default = async function msiProjectCreated(projectFile) {
  writeFileSync(projectFile, exports.addPolicyProperties(readFileSync(projectFile, 'utf8')));
};
