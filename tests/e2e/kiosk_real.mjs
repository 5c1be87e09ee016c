// Browser test of the real kiosk: ./scripts/demo --no-build starts pcscd + hcemu (李娜's card and
// the SAM), the key store, center-sim + settlementd, his-sim, escpos-sim, ippeveprinter and
// kioskd; headless chromium then inserts the emulated card (hcemu's control port), registers for
// a slot, pays the unpaid items, prints a lab report, with a screenshot of every screen. Checks
// that a receipt reached escpos-sim, that his-sim has the items paid, and that a PDF reached
// ippeveprinter.
//
// The fixture: the card holder is 李娜 (firmware-tools/images/resident-li-na.json, the demo's
// card), whom his-sim always has as a patient with unpaid items and lab reports, whatever its
// seed (HisWorld::addResidents). The test checks that in his-sim before it starts and fails when
// they are missing: every business is walked to its end, none is skipped.
//
//   node kiosk_real.mjs --demo scripts/demo --build-dir build --out build/test-output/e2e/kiosk-real
//   [--pin 111111] [--card IMAGE --holder-id ID]
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, check, contrastFailures, failed, freePort, launch, shots, start, stop, waitScreen } from './lib.mjs';

const a = args();
if (!a.demo || !a['build-dir']) {
  console.error('usage: node kiosk_real.mjs --demo scripts/demo --build-dir BUILD [--out DIR] [--pin PIN] [--card IMAGE --holder-id ID]');
  process.exit(2);
}
const out = a.out || path.resolve('test-output/e2e/kiosk-real');
const pin = a.pin || process.env.HC_E2E_PIN || '111111';
fs.mkdirSync(out, { recursive: true });
const stateFile = path.join(out, 'demo-state.json');
fs.rmSync(stateFile, { force: true });
const t0 = Date.now();
const shot = shots(out);

function control(port, command) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(command + '\n'));
    let reply = '';
    s.setTimeout(30000, () => { s.destroy(); reject(new Error(`hcemu control "${command}": no reply in 30 s`)); });
    s.on('data', (d) => { reply += d; if (reply.includes('\n')) { s.end(); resolve(reply.trim()); } });
    s.on('error', reject);
    s.on('close', () => resolve(reply.trim()));
  });
}
const files = (dir, re) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)) : []);
async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The card and its holder's ID number: the demo's card (李娜) unless --card names another image,
// whose holder's ID number --holder-id gives.
const here = path.dirname(fileURLToPath(import.meta.url));
const cardImage = a.card || path.resolve(here, '../../firmware-tools/images/resident-li-na.json');
const holderId = a.card
  ? a['holder-id']
  : JSON.parse(fs.readFileSync(path.resolve(here, '../../firmware-tools/images/resident-sources/li-na.json'), 'utf8')).holder.id_number;
if (!holderId) {
  console.error('--card needs --holder-id (the card holder\'s ID number, to find the patient in his-sim)');
  process.exit(2);
}
console.log(`card image: ${cardImage} (holder ${holderId.slice(0, 6)}********${holderId.slice(-4)})`);

/** GET http://127.0.0.1:port/path from his-sim, as JSON. */
function hisGet(port, target) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: target, timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) { reject(new Error(`his-sim GET ${target}: HTTP ${res.statusCode}: ${body}`)); return; }
        try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`his-sim GET ${target}: not JSON: ${e.message}`)); }
      });
    }).on('error', reject).on('timeout', function onTimeout() { this.destroy(new Error(`his-sim GET ${target}: no answer in 10 s`)); });
  });
}
/** POST a form body to his-sim (the patient search: an ID number never goes in a URL), as JSON. */
function hisPost(port, target, form) {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'POST', timeout: 10000,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) { reject(new Error(`his-sim POST ${target}: HTTP ${res.statusCode}: ${text}`)); return; }
        try { resolve(JSON.parse(text)); } catch (e) { reject(new Error(`his-sim POST ${target}: not JSON: ${e.message}`)); }
      });
    });
    req.on('error', reject).on('timeout', function onTimeout() { this.destroy(new Error(`his-sim POST ${target}: no answer in 10 s`)); });
    req.end(body);
  });
}
const entries = (bundle) => (bundle.entry || []).map((e) => e.resource);

const webPort = await freePort();
const demo = (await start(a.demo, ['--no-build', '--card-out', '--state', stateFile], {
  ready: /The kiosk is running|demo: .*/, log: path.join(out, 'demo.log'), timeoutMs: Number(a['ready-timeout-ms'] || 480000), // includes the wait for the pcscd lock
  env: { HC_BUILD_DIR: a['build-dir'], HC_DEMO_PORT: String(webPort), HC_DEMO_CARD: cardImage },
})).child;
let browser;
try {
  const state = JSON.parse(await until('the demo state file', () => fs.existsSync(stateFile) && fs.readFileSync(stateFile, 'utf8'), 5000)
    .catch((e) => { throw new Error(`${e.message}; the demo said:\n${fs.readFileSync(path.join(out, 'demo.log'), 'utf8').split('\n').slice(-8).join('\n')}`); }));
  console.log(`demo up: ${state.url} (${state.kiosk}); run folder ${state.run}`);
  check(state.kiosk === 'kioskd', `the demo runs kioskd (${state.kiosk})`);

  // The fixture, checked before anything is driven: the card holder is a his-sim patient with
  // unpaid items and at least one lab report. Without them the payment and report walks would
  // prove nothing, so the test stops here instead.
  const patients = entries(await hisPost(state.his_port, '/fhir/Patient/_search', { identifier: holderId }));
  if (patients.length !== 1) {
    throw new Error(`fixture: his-sim has ${patients.length} patients with the card holder's ID number (expected 1; see HisWorld::addResidents)`);
  }
  const patient = patients[0].id;
  const billable = entries(await hisGet(state.his_port, `/fhir/ChargeItem?patient=${patient}&status=billable`));
  const labReports = entries(await hisGet(state.his_port, `/fhir/DiagnosticReport?patient=${patient}`));
  if (billable.length === 0 || labReports.length === 0) {
    throw new Error(`fixture: his-sim patient ${patient} has ${billable.length} unpaid items and ${labReports.length} lab reports; the test needs at least one of each (see HisWorld::addResidents)`);
  }
  check(true, `fixture: his-sim patient ${patient} has ${billable.length} unpaid items and ${labReports.length} lab reports`);
  browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 1024 } });
  page.on('pageerror', (e) => check(false, 'page error: ' + e.message));
  await page.goto(state.screen_url || state.url); // /launch?token=…: the screen's cookie

  // The demo pulled the card once pcscd had seen it (--card-out): the kiosk waits on idle.
  await waitScreen(page, 'idle', 15000);
  await shot(page, 'idle');
  const tInsert = Date.now();
  await control(state.card_control_port, 'insert');
  await waitScreen(page, 'menu', 15000);
  const insertMs = Date.now() - tInsert;
  check(true, `card inserted → menu shown in the browser in ${insertMs} ms`);
  await shot(page, 'menu');

  const screenOf = () => page.evaluate(() => document.body.dataset.screen);
  // Walks one business from the menu to its "done" screen: the preferred item if offered, else
  // the first enabled one; the PIN when asked; "confirm" when there is nothing to pick.
  async function walk(business, prefer = {}) {
    await page.click(`#item-${business}`);
    await page.waitForFunction((b) => document.body.dataset.business === b, business, { timeout: 15000 });
    let last = '';
    for (let step = 0; step < 15; step++) {
      await page.waitForFunction((prev) => document.body.dataset.screen !== prev || !document.querySelector('#error').hidden, last, { timeout: 30000 });
      const screen = await screenOf();
      await shot(page, `${business}-${screen}`);
      const c = await contrastFailures(page);
      check(c.failing.length === 0, `${business}/${screen}: contrast >= 4.5:1 (${c.checked} texts)` + (c.failing.length ? ' ' + JSON.stringify(c.failing) : ''));
      if (!(await page.locator('#error').isHidden())) {
        const text = await page.locator('#error-text').innerText();
        throw new Error(`${business}/${screen}: error shown: ${text}`);
      }
      check(screen === 'idle' || await page.locator('#countdown').isVisible(), `${business}/${screen}: countdown visible`);
      if (screen === 'done') return { text: await page.locator('main').innerText() };
      last = screen;
      if (screen === 'qr_pay') {
        // The QR code drawn by the server; paygw-sim pays the order by itself after 5 s and kioskd
        // moves on (its ticker polls the gateway).
        await page.waitForFunction(() => { const i = document.getElementById('qr-img'); return i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
        check(true, `${business}/qr_pay: the payment QR code is shown`);
        continue;
      }
      const kind = await page.evaluate(() => document.getElementById('input').dataset.kind || '');
      if (kind === 'pin' || kind === 'password') {
        await page.keyboard.type(pin);
        await page.keyboard.press('Enter');
        continue;
      }
      const enabled = await page.$$eval('.item:not(:disabled)', (bs) => bs.map((b) => b.dataset.id));
      const want = prefer[screen];
      if (want && enabled.includes(want)) {
        await page.click(`#item-${want}`);
      } else if (enabled.length) {
        await page.click(`#item-${enabled[0]}`);
      } else if (await page.locator('#action-confirm').count()) {
        await page.click('#action-confirm');
      } else {
        const message = await page.locator('#message').innerText();
        throw new Error(`${business}/${screen}: nothing to pick and no confirm (the kiosk says "${message}")`);
      }
    }
    throw new Error(`${business}: no "done" screen after 15 steps`);
  }
  async function finish() {
    const b = page.locator('#action-done, #action-home').first();
    await b.click();
    await waitScreen(page, 'menu', 15000);
  }

  const receipts0 = files(state.receipts, /\.txt$/).length;
  let t = Date.now();
  const reg = await walk('registration', { choose_payment: 'purse' });
  check(/挂号成功/.test(reg.text || ''), `registration (paid from the card's e-purse): done in ${Date.now() - t} ms (incl. screenshots)`);
  await until('a registration receipt at escpos-sim', () => files(state.receipts, /\.txt$/).length > receipts0);
  check(true, `registration: the slip was printed (${files(state.receipts, /\.txt$/).length - receipts0} job(s) in ${state.receipts})`);
  await finish();

  const receipts1 = files(state.receipts, /\.txt$/).length;
  t = Date.now();
  const pay = await walk('payment', { choose_payment: 'qr' });
  check(/缴费成功/.test(pay.text), `payment (insurance through settlementd, own share by QR): done in ${Date.now() - t} ms`);
  await until('a payment receipt at escpos-sim', () => files(state.receipts, /\.txt$/).length > receipts1);
  check(true, 'payment: the receipt was printed');
  // The hospital has the payment: items that were unpaid before are no longer billable.
  const stillBillable = entries(await hisGet(state.his_port, `/fhir/ChargeItem?patient=${patient}&status=billable`));
  const paidIds = billable.filter((b) => !stillBillable.some((c) => c.id === b.id)).map((b) => b.id);
  check(paidIds.length > 0, `payment: his-sim has ${paidIds.length} of the ${billable.length} unpaid items paid (${paidIds.join(', ')})`);
  await finish();

  // kioskd sends the A4 report to ippeveprinter, which keeps it in the reports folder.
  const reports0 = files(state.reports, /./).length;
  t = Date.now();
  const rep = await walk('report');
  check(/打印完成/.test(rep.text), `report: done in ${Date.now() - t} ms`);
  const printed = await until('a report at the report printer', () => files(state.reports, /./).length > reports0 && files(state.reports, /./));
  check(true, `report: ${printed.length - reports0} file(s) in ${state.reports}: ${printed.join(', ')}`);
  await shot(page, 'after-report');
} catch (e) {
  check(false, 'unexpected: ' + (e.stack || e));
} finally {
  if (browser) {
    try { const p = browser.contexts()[0]?.pages()[0]; if (p) await shot(p, 'last'); } catch (_) { /* ignore */ }
    await browser.close();
  }
  await stop(demo, 'SIGINT');
}
console.log(`kiosk_real: ${failed() ? failed() + ' check(s) failed' : 'all checks passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${out}`);
process.exit(failed() ? 1 : 0);
