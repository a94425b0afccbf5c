import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from './api';
import { REPO_ROOT } from './server';

/** Debian's Chromium (apt-get install -y chromium); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.GEMBA_E2E_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const SCREENSHOTS = path.join(REPO_ROOT, 'docs/screenshots');

/** A shop-floor tablet in landscape. */
export const TABLET = { width: 1280, height: 800 };

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * One person at one browser: a fresh context (own sessionStorage), the console watched for
 * errors and uncaught exceptions, and JavaScript dialogs (alert…) recorded: the app opens none,
 * so any dialog means injected script ran.
 */
export class Person {
  readonly errors: string[] = [];
  readonly dialogs: string[] = [];
  /** How often the page asked before leaving with unsaved changes. */
  leftUnsaved = 0;
  private allowed: RegExp[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => {
      // "Leave the page with unsaved changes?" is the modeler's own question: leave.
      if (dialog.type() === 'beforeunload') {
        this.leftUnsaved += 1;
        void dialog.accept();
        return;
      }
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }

  static async open(browser: Browser, baseUrl: string, viewport = TABLET): Promise<Person> {
    const context = await browser.newContext({ viewport, baseURL: baseUrl, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return new Person(context, page, baseUrl);
  }

  /** Signs in through the sign-in page. */
  async signIn(username: string, password = DEMO_PASSWORD): Promise<void> {
    await this.page.goto('/signin');
    await this.page.getByLabel('User name').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByTestId('current-user').waitFor();
  }

  /** Accepts console errors matching `pattern` (a request the journey makes fail on purpose). */
  allowConsoleError(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  /** Console errors and uncaught exceptions that were not expected. */
  unexpectedErrors(): string[] {
    return this.errors.filter((text) => !this.allowed.some((pattern) => pattern.test(text)));
  }

  /**
   * Writes docs/screenshots/<name>.png: the viewport, or the whole page. Passing notifications
   * (toasts) are left out, so a picture shows the screen, not the moment.
   */
  async screenshot(name: string, options: { fullPage?: boolean } = {}): Promise<string> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: options.fullPage ?? false, style: '.toasts { display: none !important; }', animations: 'disabled', caret: 'hide' });
    return file;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
