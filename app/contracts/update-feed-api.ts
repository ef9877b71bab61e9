import { z } from 'zod';
import { defineRoutes } from './http-route';
import { ArtefactName, UpdateChannelName } from './release-manifest';

/** The path of one file of the update feed: the channel, the org IT configured (or `any`), the install, the file. */
export const UpdateFeedParams = z.object({
  channel: UpdateChannelName,
  /** The org IT configured (policy OrgId), or `any` before one is known. */
  org: z.union([z.string().uuid(), z.literal('any')]),
  install: z.string().uuid(),
  file: ArtefactName,
});

/** The update feed electron-updater's generic provider reads (public, docs/decisions/024). */
export const UpdateFeedRoutes = defineRoutes({
  feedFile: {
    operationId: 'getUpdateFeedFile', method: 'get', path: '/updates/:channel/:org/:install/:file', auth: 'none',
    summary: 'Update feed of electron-updater\'s generic provider: latest.yml, latest-mac.yml, latest-linux.yml for this install (staged rollout per org, pinned version, kill switch), or an artefact they name',
    // The same schema the route parses the path with (ST202: /v1/updates/0/0/0/0 was schema-valid).
    params: UpdateFeedParams,
    responses: {
      // The artefact's media type is its file's (sendFile): not one the document could list.
      200: { description: 'The feed (text/yaml) or the artefact' },
      302: { description: 'The artefact in the configured blob location' },
    },
    errors: { 404: ['update.not_found'], 503: ['update.manifest_invalid'] },
  },
});
