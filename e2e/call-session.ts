import { expect, type Browser, type Page } from '@playwright/test';
import { createSession, expectNoAlert, signIn, turnOffAutoEvaluate } from './app-flows';
import { expectAccessible } from './accessibility';
import { echoConsole } from './chromium';

export interface CallSetup {
  owner: Page;
  guest: Page;
  sessionId: string;
  joinLink: string;
}

/** The owner creates a session for a remote guest, opens the room, invites; the guest joins with consent; both connected. */
export async function setUpCall(opts: { url: string; token: string; ownerBrowser: Browser; guestBrowser: Browser; title: string; autoEvaluate?: boolean }): Promise<CallSetup> {
  const owner = await opts.ownerBrowser.newPage();
  if (opts.autoEvaluate === false) await turnOffAutoEvaluate(owner);
  echoConsole(owner, 'owner');
  await signIn(owner, opts.url, opts.token);
  const sessionId = await createSession(owner, { title: opts.title, owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });
  await owner.getByRole('link', { name: 'Open the call room' }).click();
  await owner.getByRole('button', { name: 'Create an invite code' }).click();
  const joinLink = (await owner.getByRole('link', { name: /\?join=/ }).getAttribute('href'))!;
  await owner.getByRole('button', { name: 'Join the call with my microphone' }).click();
  await expect(owner.getByTestId('call-state')).toHaveAttribute('data-state', 'waiting');
  await expectAccessible(owner, 'the call room, waiting for the guest');

  const guest = await opts.guestBrowser.newPage();
  echoConsole(guest, 'guest');
  await joinAsGuest(guest, joinLink, { name: 'Daniel Reyes', consent: true });
  await expectNoAlert(guest, guest.getByTestId('call-state'));
  await expect(guest.getByTestId('call-state')).toHaveAttribute('data-state', 'connected');
  await expect(owner.getByTestId('call-state')).toHaveAttribute('data-state', 'connected');
  await expect(owner.getByTestId('call-state')).toContainText('Daniel Reyes');
  await expectAccessible(owner, 'the call room, connected');
  await expectAccessible(guest, 'the guest\'s call page, connected');
  return { owner, guest, sessionId, joinLink };
}

export async function joinAsGuest(page: Page, link: string, opts: { name: string; consent: boolean }) {
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Join a session' })).toBeFocused();
  await expectAccessible(page, 'the join page');
  await page.getByLabel('Your name').fill(opts.name);
  if (opts.consent) await page.getByLabel('I consent').check();
  await page.getByRole('button', { name: 'Join the call' }).click();
}
