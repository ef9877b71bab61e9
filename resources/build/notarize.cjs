// electron-builder afterSign hook: notarizes the signed .app with Apple's notary service
// (@electron/notarize, notarytool). Credentials only from the environment (CI secrets):
// APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID. Without them (a local unsigned build) it
// says so and skips; with FE_REQUIRE_NOTARIZE=1 (the release workflow) it fails instead.
const path = require('node:path');

exports.notarizeOptions = function notarizeOptions(context, env) {
  if (context.electronPlatformName !== 'darwin') return null;
  const { APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID } = env;
  if (!APPLE_ID || !APPLE_APP_SPECIFIC_PASSWORD || !APPLE_TEAM_ID) {
    if (env.FE_REQUIRE_NOTARIZE === '1') throw new Error('notarize: APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID must be set (FE_REQUIRE_NOTARIZE=1)');
    return null;
  }
  const appName = context.packager.appInfo.productFilename;
  return { appPath: path.join(context.appOutDir, `${appName}.app`), appleId: APPLE_ID, appleIdPassword: APPLE_APP_SPECIFIC_PASSWORD, teamId: APPLE_TEAM_ID };
};

exports.default = async function afterSign(context) {
  const opts = exports.notarizeOptions(context, process.env);
  if (!opts) {
    if (context.electronPlatformName === 'darwin') console.warn('notarize: skipped (no Apple credentials in the environment)');
    return;
  }
  const { notarize } = await import('@electron/notarize');
  await notarize(opts);
};
