// Logs into the running demo with headless Chromium and saves the pictures
// the documentation shows.  Run by `make screenshots`.
const path = require('path');
const { chromium } = require('playwright-core');

const url = process.env.KONTINGENT_URL || 'http://127.0.0.1:8000/#demo';
const images = path.join(__dirname, 'images');

async function login(page) {
  await page.goto(url);
  await page.getByText('User name').first().waitFor();
  await page.waitForTimeout(1000);
  await page.keyboard.type('admin');
  await page.locator('button:visible', {hasText: /login/i}).first().click();
  await page.getByText('Password for admin').first().waitFor();
  await page.waitForTimeout(500);
  await page.keyboard.type('admin');
  await page.locator('button:visible', {hasText: /^ok$/i}).first().click();
  await page.getByText('Membership', {exact: true}).first().waitFor();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run']});
  const page = await browser.newPage({viewport: {width: 1400, height: 1250}});
  await login(page);
  await page.getByText('Membership', {exact: true}).first().click();
  await page.getByText('Members', {exact: true}).first().click();
  await page.getByText('000002').first().waitFor();
  await page.screenshot({path: path.join(images, 'members.png')});
  await page.getByText('000002').first().dblclick();
  await page.locator('.nav-tabs a:visible', {hasText: /^Membership$/})
    .first().click();
  await page.getByText('Dues Explanation').first().waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({path: path.join(images, 'member-form.png')});
  await page.getByText('Billing Runs', {exact: true}).first().click();
  await page.locator('.nav-tabs a:visible', {hasText: /^All/}).first().click();
  const state = page.getByText(/^(Calculated|Done)$/).first();
  await state.waitFor();
  await state.dblclick();
  await page.getByText('Period Date').first().waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({path: path.join(images, 'billing-run.png')});
  await page.locator('.nav-tabs a:visible', {hasText: /^Changes$/})
    .first().click();
  await page.waitForTimeout(1500);
  await page.screenshot({path: path.join(images, 'billing-run-changes.png')});
  await browser.close();
})().catch(error => { console.error(error); process.exit(1); });
