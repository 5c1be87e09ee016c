// Browser test of the kiosk UI against kiosk-ui-dev (the scripted fake engine): every screen
// renders, keyboard-only navigation, the elderly switch, contrast >= 4.5:1 on every text element,
// touch targets >= 64 px, the countdown, specific error text, the PIN never shown, the reconnect
// banner, the screen timeout.
//
//   node ui_dev.mjs --ui-dev build/kiosk/kiosk-ui-dev --out build/test-output/e2e/ui-dev
import path from 'node:path';
import {
  args, check, contrastFailures, failed, freePort, launch, shots, smallTargets, start, stop,
  stopAll, waitScreen,
} from './lib.mjs';

const a = args();
const uiDev = a['ui-dev'];
const out = a.out || path.resolve('test-output/e2e/ui-dev');
if (!uiDev) {
  console.error('usage: node ui_dev.mjs --ui-dev <kiosk-ui-dev> [--out DIR] [--ui-dir DIR]');
  process.exit(2);
}
const uiDirArgs = a['ui-dir'] ? ['--ui-dir', a['ui-dir']] : [];
const t0 = Date.now();
const port = await freePort();
const url = `http://127.0.0.1:${port}/`;
const shot = shots(out);
let server = (await start(uiDev, ['--port', String(port), ...uiDirArgs], { ready: /listening on/, log: path.join(out, 'kiosk-ui-dev.log') })).child;
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 1024 } });
const consoleText = [];
page.on('console', (m) => consoleText.push(m.text()));
page.on('pageerror', (e) => check(false, 'page error: ' + e.message));

async function screenChecks(name) {
  const c = await contrastFailures(page);
  check(c.checked > 0 && c.failing.length === 0,
    `${name}: contrast >= 4.5:1 on all ${c.checked} text elements` + (c.failing.length ? ' ' + JSON.stringify(c.failing) : ''));
  const small = await smallTargets(page);
  check(small.length === 0, `${name}: every button >= 64x64 px` + (small.length ? ' ' + small.join(', ') : ''));
  await shot(page, name);
}
const text = (sel) => page.locator(sel).innerText();
const visible = (sel) => page.locator(sel).isVisible();
const key = (k) => page.keyboard.press(k);

try {
  console.log(`kiosk-ui-dev at ${url}`);
  await page.goto(url);
  await waitScreen(page, 'idle');
  check((await text('h1')) === '欢迎使用自助服务机', 'idle: the welcome title renders');
  check(await visible('#elderly'), 'idle: the elderly switch is on screen');
  check(await page.locator('#action-issue_card').isDisabled(),
    'idle: card issuance without blank cards is shown disabled');
  check((await text('#action-issue_card')).includes('暂无空白卡'),
    'idle: the disabled action says why');
  await screenChecks('idle');

  // Keyboard only from here: number keys pick items, Tab/Enter/Space/Escape.
  await key('1');
  await waitScreen(page, 'menu');
  check(await visible('#countdown'), 'menu: countdown visible');
  const cd = await text('#countdown');
  check(/^剩余 (8\d|90) 秒$/.test(cd), `menu: countdown reads "${cd}" (90 s on the menu)`);
  check((await page.locator('.item').count()) === 5, 'menu: five businesses');
  await screenChecks('menu');

  // Tab order: from the first item (focused on arrival) through every item, the footer, then
  // around to the elderly switch in the header; the focused control shows a visible outline.
  check((await page.evaluate(() => document.activeElement.id)) === 'item-registration', 'menu: the first item has the focus on arrival');
  const order = [];
  for (let i = 0; i < 8; i++) {
    await key('Tab');
    order.push(await page.evaluate(() => {
      const e = document.activeElement;
      const st = getComputedStyle(e);
      return { id: e.id, outline: e.tagName !== 'BUTTON' || (parseFloat(st.outlineWidth) >= 3 && st.outlineStyle !== 'none') };
    }));
  }
  const ids = order.map((o) => o.id).filter(Boolean);
  check(ids.slice(0, 7).join(' ') === 'item-payment item-topup item-balance item-reports action-exit elderly item-registration',
    'menu: Tab goes items → footer → elderly switch → items: ' + ids.join(' → '));
  check(order.every((o) => o.outline), 'menu: every focused button shows a >= 3 px outline');

  // Elderly switch (Space on the focused switch): bigger type and doubled countdown.
  const titleSize = async () => parseFloat(await page.locator('h1').evaluate((e) => getComputedStyle(e).fontSize));
  const itemSize = async () => parseFloat(await page.locator('.item .label').first().evaluate((e) => getComputedStyle(e).fontSize));
  const before = { title: await titleSize(), item: await itemSize() };
  await page.focus('#elderly');
  await key('Space');
  await page.waitForSelector('body.mode-elderly');
  const after = { title: await titleSize(), item: await itemSize() };
  check(after.title >= before.title * 1.3 && after.item >= before.item * 1.3,
    `elderly: title ${before.title}px → ${after.title}px, item ${before.item}px → ${after.item}px`);
  check((await page.getAttribute('#elderly', 'aria-pressed')) === 'true', 'elderly: the switch says it is on (aria-pressed)');
  const cdE = Number((await text('#countdown')).match(/\d+/)[0]);
  check(cdE > 120, `elderly: the countdown doubled (${cdE} s)`);
  await screenChecks('menu-elderly');
  await page.focus('#elderly');
  await key('Enter');
  await page.waitForSelector('body.mode-patient');
  check(true, 'elderly: Enter on the switch turns it off');

  // Registration: department -> slot -> confirm -> PIN.
  await key('1');
  await waitScreen(page, 'choose_department');
  check((await text('#progress')) === '第 1 步 / 共 4 步', 'departments: step 1 of 4 shown');
  check(await page.locator('#item-D07').isDisabled(), 'departments: a full department is disabled');
  await screenChecks('departments');
  await key('Escape');
  await waitScreen(page, 'menu');
  check(true, 'Escape goes back (departments → menu)');
  await key('1');
  await waitScreen(page, 'choose_department');
  await key('1');
  await waitScreen(page, 'choose_slot');
  await screenChecks('slots');
  await key('1');
  await waitScreen(page, 'confirm');
  check((await text('#lines')).includes('50.00 元'), 'confirm: the fee is shown (50.00 元)');
  await screenChecks('confirm');
  // Tab to the confirm button and press Enter.
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement.id)) !== 'action-confirm'; i++) await key('Tab');
  await key('Enter');
  await waitScreen(page, 'pin');
  check(await visible('#keypad'), 'pin: the keypad is shown');
  await page.keyboard.type('111111');
  const shown = await text('#input-display');
  check(shown === '●●●●●●', `pin: six dots shown, no digits ("${shown}")`);
  check(!(await page.content()).includes('111111'), 'pin: the digits are nowhere in the page');
  await screenChecks('pin-typed');
  await key('Enter');
  await page.waitForSelector('#error:not([hidden])');
  const err = await text('#error-text');
  check(err.includes('密码错误') && err.includes('还可尝试 2 次'), `pin: specific error text "${err}"`);
  check(!err.includes('操作错误'), 'pin: not a generic "操作错误"');
  check((await text('#input-display')) === '○○○○○○', 'pin: the keypad is cleared after a refused PIN');
  await screenChecks('pin-error');
  // The digits on the on-screen keypad by mouse too: 1 2 3 4 5 6, OK.
  for (const d of '123456') await page.click(`#key-${d}`);
  await page.click('#key-ok');
  await waitScreen(page, 'registration_done');
  check((await text('#lines')).includes('就诊序号'), 'done: the receipt lines (就诊序号) are shown');
  check(!consoleText.some((t) => t.includes('123456') || t.includes('111111')), 'pin: nothing logged to the console holds the PIN');
  await screenChecks('registration-done');
  await page.focus('#action-exit');
  await key('Enter');
  await waitScreen(page, 'idle');

  // Payment: insufficient balance, a specific error with what to do.
  await key('1');
  await waitScreen(page, 'menu');
  await key('2');
  await waitScreen(page, 'unpaid_items');
  await screenChecks('unpaid-items');
  await page.focus('#action-confirm');
  await key('Space');
  await waitScreen(page, 'pin');
  await page.keyboard.type('123456');
  await key('Enter');
  await waitScreen(page, 'payment_failed');
  const err2 = await text('#error');
  check(err2.includes('余额不足') && err2.includes('请先充值'), `payment: "${err2.replace(/\n/g, ' / ')}"`);
  check(await visible('#error-next'), 'payment: what to do next is shown under the error');
  await screenChecks('payment-error');

  // QR payment: the server draws the view's data.qr as SVG.
  await page.focus('#action-qr');
  await key('Enter');
  await waitScreen(page, 'qr_pay');
  await page.waitForFunction(() => document.getElementById('qr-img').complete && document.getElementById('qr-img').naturalWidth > 0, null, { timeout: 5000 });
  check(true, 'qr: the payment QR code (GET /api/qr.svg) is shown');
  await screenChecks('qr-pay');
  await key('Escape');
  await waitScreen(page, 'payment_failed');

  // Top-up: the amount keypad (yuan typed, fen sent).
  await page.focus('#action-topup');
  await key('Enter');
  await waitScreen(page, 'topup_amount');
  await page.keyboard.type('100');
  check((await text('#input-display')) === '100 元', 'topup: the amount is echoed in yuan');
  await screenChecks('topup-amount');
  await key('Enter');
  await waitScreen(page, 'topup_done');
  check((await text('#lines')).includes('100.00 元'), 'topup: 100 元 accepted as 10000 fen');
  await page.focus('#action-exit');
  await key('Enter');
  await waitScreen(page, 'idle');

  // Reports and cashier mode.
  await key('1');
  await waitScreen(page, 'menu');
  await key('5');
  await waitScreen(page, 'choose_report');
  await screenChecks('reports');
  await key('Escape');
  await waitScreen(page, 'menu');
  await page.focus('#action-exit');
  await key('Enter');
  await waitScreen(page, 'idle');
  await key('2');
  await waitScreen(page, 'cashier_menu');
  check(await page.locator('body.mode-cashier').count() === 1, 'cashier: cashier styling on');
  const band = await page.locator('header').evaluate((e) => getComputedStyle(e).backgroundColor);
  check(band !== 'rgb(11, 87, 164)', `cashier: the header band changes colour (${band})`);
  await screenChecks('cashier');
  await page.focus('#action-logout');
  await key('Enter');
  await waitScreen(page, 'idle');

  // The server goes away: banner; it comes back (1 s screens now): reconnected, then the timeout.
  await stop(server);
  await page.waitForSelector('#banner:not([hidden])', { timeout: 5000 });
  check((await text('#banner')).includes('连接中断，正在重连'), 'reconnect: the banner says the connection dropped');
  await shot(page, 'reconnecting');
  server = (await start(uiDev, ['--port', String(port), '--seconds', '2', ...uiDirArgs], { ready: /listening on/ })).child;
  await page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 10000 });
  check(true, 'reconnect: the banner goes once the server is back');
  await key('1');
  await waitScreen(page, 'menu');
  check(true, 'reconnect: input works over the new socket');
  await waitScreen(page, 'idle', 8000);
  check(true, 'timeout: the screen returns to idle when its countdown runs out');
} catch (e) {
  check(false, 'unexpected: ' + (e.stack || e));
  try { await shot(page, 'failure'); } catch (_) { /* ignore */ }
} finally {
  await browser.close();
  await stopAll();
}
console.log(`ui_dev: ${failed() ? failed() + ' check(s) failed' : 'all checks passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${out}`);
process.exit(failed() ? 1 : 0);
