/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against the demo
 * layout under supd. The page lists the demo's programs, a restart button restarts one (its pid
 * changes), a signal button makes a program print and the live tail shows the line. A screenshot
 * is saved (into docs/dashboard.png, which the README shows, when SUPD_UPDATE_SCREENSHOT=1).
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PROGRAMS, startDemo } from '../../support/demo.js';
import { freePort, makeTempDir, REPO, type RunningSupd } from '../../support/supd-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Playwright = typeof import('playwright-core');
const playwright: Playwright | null = await import('playwright-core').catch(() => null);

let supd: RunningSupd | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await closeBrowser?.();
  closeBrowser = undefined;
  await supd?.stop();
  supd = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard in headless Chromium', () => {
  it('lists the demo programs, restarts one, and tails the line a signalled program prints', async (ctx) => {
    ctx.skip(!existsSync(CHROMIUM), `needs ${CHROMIUM} (Debian package chromium)`);
    ctx.skip(playwright === null, 'needs the playwright-core devDependency (npm ci)');
    const port = await freePort();
    supd = await startDemo({ extraSections: `[inet_http_server]\nport=127.0.0.1:${port}\nusername=ops\npassword=s3cret\n` });
    await supd.waitForState('px-diag', 'RUNNING');
    const userDataDir = makeTempDir('supd-chromium-');
    dirs.push(userDataDir);
    const context = await playwright!.chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      httpCredentials: { username: 'ops', password: 's3cret' },
      viewport: { width: 1280, height: 860 },
    });
    closeBrowser = () => context.close();
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);

    // Every program of the demo is listed, with its state.
    const rows = page.locator('#programs tbody tr');
    await expect.poll(async () => (await rows.locator('td:first-child').allTextContents()).sort(), { timeout: 15_000 }).toEqual(
      [...DEMO_PROGRAMS].sort(),
    );
    const row = (name: string) => page.locator(`#programs tbody tr[data-name="${name}"]`);
    await expect.poll(() => row('px-diag').locator('td.state').textContent(), { timeout: 15_000 }).toBe('RUNNING');

    // The restart button restarts it: a new pid, in the page and in supd.
    const before = Number(await row('px-diag').locator('td.pid').textContent());
    expect(before).toBeGreaterThan(0);
    await row('px-diag').locator('button[data-action="restart"]').click();
    await expect
      .poll(async () => Number(await row('px-diag').locator('td.pid').textContent()), { timeout: 20_000 })
      .not.toBe(before);
    const after = Number(await row('px-diag').locator('td.pid').textContent());
    expect(after).toBeGreaterThan(0);
    expect(await supd.rpc('supervisor.getProcessInfo', 'px-diag')).toMatchObject({ pid: after });
    await expect.poll(() => row('px-diag').locator('td:nth-child(6)').textContent(), { timeout: 10_000 }).toBe('1');

    // Select it, send SIGUSR1 with its signal button: the live tail shows what it printed.
    await row('px-diag').locator('td:first-child').click();
    await expect.poll(() => page.locator('#details-title').textContent(), { timeout: 10_000 }).toContain('px-diag');
    await expect.poll(() => page.locator('#tail').textContent(), { timeout: 10_000 }).toContain('px-diag: ready');
    await row('px-diag').locator('select').selectOption('USR1');
    await row('px-diag').locator('button[data-action="signal"]').click();
    await expect.poll(() => page.locator('#tail').textContent(), { timeout: 15_000 }).toContain('px-diag: collected diagnostics (SIGUSR1)');
    await expect.poll(() => page.locator('#tree').textContent(), { timeout: 10_000 }).toContain(String(after));

    const shot = join(userDataDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.SUPD_UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(REPO, 'docs/dashboard.png'));
  }, 90_000); // the demo and Chromium's start: 30 s and more at a load of 20 (timed out at 30 s, then passed in 29.8 s)

  it('refuses a control action from another origin, and any request without credentials', async () => {
    const port = await freePort();
    supd = await startDemo({ extraSections: `[inet_http_server]\nport=127.0.0.1:${port}\nusername=ops\npassword=s3cret\n` });
    await supd.waitForState('px-diag', 'RUNNING');
    const auth = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
    const body = JSON.stringify({ method: 'supervisor.stopProcess', params: ['px-diag', false] });
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}/api/control`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    expect((await post({ Authorization: auth, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({})).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(401);
    expect(await supd.rpc('supervisor.getProcessInfo', 'px-diag')).toMatchObject({ statename: 'RUNNING' });
    const same = await post({ Authorization: auth, Origin: `http://127.0.0.1:${port}` });
    expect(await same.json()).toEqual({ ok: true });
  });
});
