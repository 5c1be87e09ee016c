// Shared helpers for the kiosk browser tests: child processes, headless Debian chromium through
// playwright-core, screenshots, WCAG contrast from computed styles, small assertions.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

export function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith('--')) {
      const key = a[i].slice(2);
      out[key] = a[i + 1] !== undefined && !a[i + 1].startsWith('--') ? a[++i] : 'true';
    }
  }
  return out;
}

let failures = 0;
export function check(ok, what) {
  if (ok) {
    console.log('  ok   ' + what);
  } else {
    failures++;
    console.log('  FAIL ' + what);
  }
}
export function failed() { return failures; }

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const children = new Set();
/** Starts a child; resolves once a stdout/stderr line matches `ready` (a RegExp). */
export function start(cmd, argv, { ready, log, env, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...(env || {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const sink = log ? fs.createWriteStream(log) : null;
    let seen = '';
    let done = !ready;
    const timer = ready ? setTimeout(() => {
      if (!done) { done = true; reject(new Error(`${path.basename(cmd)} did not become ready in ${timeoutMs} ms; output:\n${seen.slice(-2000)}`)); }
    }, timeoutMs) : null;
    const onData = (d) => {
      const s = d.toString();
      if (sink) sink.write(s);
      if (!done) {
        seen += s;
        const m = ready.exec(seen);
        if (m) { done = true; clearTimeout(timer); resolve({ child, match: m }); }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => {
      children.delete(child);
      if (sink) sink.end();
      if (!done) { done = true; clearTimeout(timer); reject(new Error(`${path.basename(cmd)} exited (${code ?? sig}) before it was ready:\n${seen.slice(-2000)}`)); }
    });
    child.on('error', (e) => { if (!done) { done = true; reject(e); } });
    if (!ready) resolve({ child, match: null });
  });
}

export function stop(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill(signal);
  });
}

export async function stopAll() {
  await Promise.all([...children].reverse().map((c) => stop(c)));
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.HC_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'],
  });
}

export function shots(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.rmSync(path.join(dir, f)); // this run's only
  let n = 0;
  return async (page, name) => {
    const file = path.join(dir, `${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log('  screenshot ' + file);
    return file;
  };
}

/** Every visible element holding text, with its WCAG contrast ratio against the first opaque
 * background behind it (computed styles). Returns the ones under `min`. */
export async function contrastFailures(page, min = 4.5) {
  return page.evaluate((minRatio) => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const blend = (top, bottom) => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
    };
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let c = [255, 255, 255, 1];
      for (let i = layers.length - 1; i >= 0; i--) c = blend(layers[i], c);
      return c;
    };
    const out = [];
    let checked = 0;
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const st = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (st.visibility === 'hidden' || st.display === 'none' || r.width === 0 || r.height === 0) continue;
      if (el.closest('[hidden]')) continue;
      const fg = blend(parse(st.color), background(el));
      const bg = background(el);
      const l1 = lum(fg), l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      checked++;
      if (ratio < minRatio) {
        out.push({ text: el.textContent.trim().slice(0, 30), ratio: Math.round(ratio * 100) / 100, color: st.color, background: `rgb(${bg.slice(0, 3).join(',')})` });
      }
    }
    return { checked, failing: out };
  }, min);
}

/** Buttons smaller than `px` in either direction (visible ones only). */
export async function smallTargets(page, px = 64) {
  return page.evaluate((minPx) => [...document.querySelectorAll('button')]
    .filter((b) => !b.closest('[hidden]') && b.offsetParent !== null)
    .map((b) => ({ id: b.id || b.textContent.trim(), r: b.getBoundingClientRect() }))
    .filter(({ r }) => r.height < minPx || r.width < minPx)
    .map(({ id, r }) => `${id} ${Math.round(r.width)}x${Math.round(r.height)}`), px);
}

export async function waitScreen(page, screen, timeout = 10000) {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout });
}
