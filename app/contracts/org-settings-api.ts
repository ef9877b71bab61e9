import { z } from 'zod';
import { defineRoutes } from './http-route';

/**
 * The org's desktop session lifetimes (decision 028), read and set by its org admin in the app as
 * `feedback admin session-lifetimes` does on the command line. A null value means the deployment's
 * default (FE_DESKTOP_*), which the view shows beside it. Every change is audited
 * (auth.session_lifetimes_set).
 */
const Seconds = (min: number, max: number) => z.number().int().min(min).max(max).nullable();
const YEAR = 366 * 24 * 3600;

export const SessionLifetimes = z
  .object({
    /** Lifetime of a desktop access token (the bearer of every call). */
    accessTtlSec: Seconds(60, 86400),
    /** A refresh token unused this long stops working. */
    refreshIdleSec: Seconds(300, YEAR),
    /** However often refreshed, a desktop sign-in ends this long after it began. */
    refreshAbsoluteSec: Seconds(300, YEAR),
  })
  .strict();
export type SessionLifetimes = z.infer<typeof SessionLifetimes>;

const Effective = z.object({ accessTtlSec: z.number().int(), refreshIdleSec: z.number().int(), refreshAbsoluteSec: z.number().int() });

export const SessionLifetimesView = z.object({
  /** The org's own values; null: the default applies. */
  org: SessionLifetimes,
  /** The deployment's defaults (FE_DESKTOP_ACCESS_TTL_SEC, FE_DESKTOP_REFRESH_IDLE_SEC, FE_DESKTOP_REFRESH_ABSOLUTE_SEC). */
  defaults: Effective,
  /** What the next desktop sign-in and refresh use. */
  effective: Effective,
});
export type SessionLifetimesView = z.infer<typeof SessionLifetimesView>;

export const OrgSettingsRoutes = defineRoutes({
  getSessionLifetimes: {
    operationId: 'getSessionLifetimes',
    method: 'get',
    path: '/admin/session-lifetimes',
    auth: 'bearer',
    summary: 'The org\'s desktop session lifetimes: its own values (null = default), the defaults and what applies (org admin).',
    responses: { 200: { description: 'OK', json: SessionLifetimesView } },
    errors: {},
  },
  putSessionLifetimes: {
    operationId: 'putSessionLifetimes',
    method: 'put',
    path: '/admin/session-lifetimes',
    auth: 'bearer',
    summary: 'Replace the org\'s desktop session lifetimes as a whole (null = back to the default); applies from the next desktop sign-in or refresh; audited as auth.session_lifetimes_set (org admin). Out-of-range values: request.invalid.',
    body: SessionLifetimes,
    responses: { 200: { description: 'OK', json: SessionLifetimesView } },
    errors: {},
  },
});
