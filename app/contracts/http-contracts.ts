import type { HttpRouteContract } from './http-route';
import { SessionApiRoutes } from './session-api';
import { SessionRecordingRoute } from './recording-api';
import { DesktopSessionRoutes } from './desktop-session-api';
import { UpdateFeedRoutes } from './update-feed-api';
import { OrgSettingsRoutes } from './org-settings-api';
import { AuditTrailRoute } from './audit-trail-api';

/**
 * Every HTTP route declared in app/contracts: the OpenAPI document is generated from this list,
 * and http-contracts.test.ts checks it against the routes express mounts.
 */
export const HTTP_CONTRACTS: readonly HttpRouteContract[] = [...Object.values(SessionApiRoutes), SessionRecordingRoute, ...Object.values(DesktopSessionRoutes), ...Object.values(UpdateFeedRoutes), ...Object.values(OrgSettingsRoutes), AuditTrailRoute];
