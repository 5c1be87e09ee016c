// Kiosk UI: one generic renderer for the server's views (docs/kiosk-ui-protocol.md). The server
// owns the flow; this page shows the view it is sent and reports what the user chose. No
// framework, no build step. PIN digits live only in `typed` until sent and are never shown or
// logged.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const NEXT_TEXT = {
    fix_input: '请按提示修改后重试',
    retry: '请稍后重试',
    reinsert_card: '请取出卡片，芯片朝上重新插入',
    reselect_application: '请取出卡片后重新插入',
    check_configuration: '设备需要维护，请联系工作人员',
    call_staff: '请联系工作人员协助',
    // hc::describe(NextStep) text, as the engine sends it
    'fix the input': '请按提示修改后重试',
    'reinsert the card': '请取出卡片，芯片朝上重新插入',
    'select the application again': '请取出卡片后重新插入',
    'check the configuration': '设备需要维护，请联系工作人员',
    'call staff': '请联系工作人员协助',
  };
  // Amounts the engine puts in view.data (integer fen), shown when the view has no data.lines.
  const FEN_FIELDS = [
    ['totalFen', '合计'], ['insuranceFen', '医保支付'], ['amountFen', '个人支付'],
    ['feeFen', '费用'], ['balanceFen', '卡内余额'], ['balanceAfterFen', '支付后余额'],
    ['maxFen', '单次上限'],
  ];
  const yuan = (fen) => (fen < 0 ? '-' : '') + (Math.abs(fen) / 100).toFixed(2) + ' 元';
  const EVENT_TEXT = {
    card_inserted: '已读到卡片',
    card_removed: '卡片已取出',
    staff_called: '已呼叫工作人员，请在原地稍候',
  };

  let view = null;
  let ws = null;
  let retryMs = 500;
  let countdownEnd = 0;
  let typed = '';            // keypad buffer (PIN digits or amount text); cleared on every new screen
  let lastScreenKey = '';

  // ---- transport -------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    ws = new WebSocket(scheme + location.host + '/ws');
    ws.onopen = () => {
      retryMs = 500;
      $('banner').hidden = true;
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (_) { return; }
      receive(msg);
    };
    ws.onclose = () => {
      ws = null;
      $('banner').hidden = false;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 4000);
    };
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(msg));
      return;
    }
    // No socket right now: the same message over HTTP, which answers the next view.
    fetch('/api/input', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg),
    }).then((r) => r.json()).then(receive).catch(() => { $('banner').hidden = false; });
  }

  function receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'view') render(msg);
    else if (msg.type === 'event') showNotice(eventText(msg));
    else if (msg.type === 'error') showNotice('操作未被接受：' + (msg.text || '格式错误'));
  }

  function eventText(msg) {
    const d = msg.detail || {};
    if (typeof d.text === 'string' && d.text) return d.text;
    return EVENT_TEXT[msg.event] || '';
  }

  let noticeTimer = 0;
  function showNotice(text) {
    if (!text) return;
    const n = $('notice');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
  }

  // ---- rendering -------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function render(v) {
    const screenKey = (v.session || '') + '/' + (v.screen || '');
    const sameScreen = screenKey === lastScreenKey && view !== null;
    const focusedId = sameScreen && document.activeElement ? document.activeElement.id : '';
    if (!sameScreen || (v.error && !(view && view.error && view.error.text === v.error.text))) {
      typed = '';
    }
    view = v;
    lastScreenKey = screenKey;

    const mode = v.mode === 'elderly' || v.mode === 'cashier' ? v.mode : 'patient';
    document.documentElement.className = 'mode-' + mode;
    document.body.className = 'mode-' + mode;
    document.body.dataset.screen = v.screen || '';
    document.body.dataset.business = v.business || '';
    const elderly = $('elderly');
    elderly.setAttribute('aria-pressed', mode === 'elderly' ? 'true' : 'false');
    elderly.textContent = mode === 'elderly' ? '长辈模式：开' : '长辈模式';
    elderly.hidden = mode === 'cashier';

    const data = v.data && typeof v.data === 'object' ? v.data : {};
    if (typeof data.hospital === 'string') $('hospital').textContent = data.hospital;
    const prog = $('progress');
    if (data.progress && data.progress.step && data.progress.of) {
      prog.textContent = '第 ' + data.progress.step + ' 步 / 共 ' + data.progress.of + ' 步';
      prog.hidden = false;
    } else {
      prog.hidden = true;
    }

    $('title').textContent = v.title || '';
    document.title = (v.title || '') + ' - 自助服务机';
    $('message').textContent = v.message || '';

    const err = $('error');
    if (v.error && v.error.text) {
      $('error-text').textContent = v.error.text;
      $('error-next').textContent = NEXT_TEXT[v.error.next] || '';
      err.dataset.code = v.error.code || '';
      err.hidden = false;
    } else {
      err.hidden = true;
    }

    const lines = $('lines');
    lines.replaceChildren();
    const rows = [];
    if (Array.isArray(data.lines)) {
      for (const l of data.lines) rows.push([l.label, l.value]);
    } else {
      for (const [k, label] of FEN_FIELDS) {
        if (Number.isInteger(data[k])) rows.push([label, yuan(data[k])]);
      }
      if (typeof data.receipt === 'boolean') rows.push(['凭条', data.receipt ? '已打印，请取走' : '未能打印，可到人工窗口补打']);
    }
    if (rows.length) {
      for (const [label, value] of rows) lines.append(el('dt', '', label), el('dd', '', value));
      lines.hidden = false;
    } else {
      lines.hidden = true;
    }

    const qr = $('qr');
    if (typeof data.qr === 'string' && data.qr) {
      // The server draws the current view's data.qr; the query only defeats caching.
      const src = '/api/qr.svg?' + encodeURIComponent(screenKey + '/' + data.qr.length);
      if ($('qr-img').getAttribute('src') !== src) $('qr-img').src = src;
      qr.hidden = false;
    } else {
      qr.hidden = true;
    }

    const items = $('items');
    items.replaceChildren();
    (Array.isArray(v.items) ? v.items : []).forEach((it, i) => {
      const b = el('button', 'item');
      b.type = 'button';
      b.id = 'item-' + it.id;
      b.dataset.id = it.id;
      b.disabled = !!it.disabled;
      if (i < 9) b.append(el('span', 'key', i + 1));
      b.append(el('span', 'label', it.label));
      if (it.detail) b.append(el('span', 'detail', it.detail));
      b.addEventListener('click', () => { b.classList.add('busy'); send({ type: 'choose', item: it.id }); });
      const li = el('li');
      li.append(b);
      items.append(li);
    });

    renderInput(v.input);

    const actions = $('actions');
    actions.replaceChildren();
    (Array.isArray(v.actions) ? v.actions : []).forEach((a) => {
      const primary = a.id === 'confirm' || a.id === 'print';
      const b = el('button', 'action' + (primary ? ' primary' : '') + (a.id === 'call_staff' ? ' staff' : ''), a.label);
      b.type = 'button';
      b.id = 'action-' + a.id;
      b.dataset.id = a.id;
      // An action the kiosk cannot offer now (no blank cards, printer out of paper) stays visible,
      // greyed, with the reason under it, rather than failing after a tap.
      b.disabled = !!a.disabled;
      if (a.detail) {
        b.append(el('span', 'detail', a.detail));
        b.setAttribute('aria-description', a.detail);
      }
      if (a.id === 'back') b.setAttribute('aria-keyshortcuts', 'Escape');
      b.addEventListener('click', () => { b.classList.add('busy'); send({ type: 'action', action: a.id }); });
      actions.append(b);
    });

    countdownEnd = v.countdown > 0 ? Date.now() + v.countdown * 1000 : 0;
    tick();

    // Focus: keep it where it was on the same screen; otherwise the first useful control.
    const keep = focusedId && document.getElementById(focusedId);
    if (keep && !keep.disabled) {
      keep.focus();
    } else if (!sameScreen || !document.activeElement || document.activeElement === document.body) {
      const first = document.querySelector('#input:not([hidden]) #input-text:not([hidden]), #input:not([hidden]) .keypad button, .item:not(:disabled), .action.primary, .action');
      (first || $('main')).focus();
    }
  }

  function renderInput(input) {
    const box = $('input');
    const pad = $('keypad');
    const text = $('input-text');
    pad.replaceChildren();
    if (!input || typeof input !== 'object') {
      box.hidden = true;
      box.dataset.kind = '';
      return;
    }
    box.hidden = false;
    box.dataset.kind = input.kind || 'text';
    $('input-label').textContent = input.label || '';
    if (input.kind === 'pin' || input.kind === 'amount') {
      text.hidden = true;
      $('input-label').htmlFor = 'input-display';
      const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9',
        input.kind === 'amount' ? '.' : 'clear', '0', 'del'];
      for (const k of keys) {
        const label = k === 'clear' ? '清空' : k === 'del' ? '删除' : k;
        const b = el('button', 'key-' + (k === '.' ? 'dot' : k), label);
        b.type = 'button';
        b.id = 'key-' + (k === '.' ? 'dot' : k);
        b.addEventListener('click', () => press(k));
        pad.append(b);
      }
      const ok = el('button', 'ok', '确定');
      ok.type = 'button';
      ok.id = 'key-ok';
      ok.style.gridColumn = '1 / -1';
      ok.addEventListener('click', submitInput);
      pad.append(ok);
      $('input-display').hidden = false;
    } else {
      text.hidden = false;
      text.type = input.kind === 'password' ? 'password' : 'text';
      text.value = '';
      if (input.max) text.maxLength = input.max;
      $('input-label').htmlFor = 'input-text';
      $('input-display').hidden = true;
      const ok = el('button', 'ok', '确定');
      ok.type = 'button';
      ok.id = 'key-ok';
      ok.addEventListener('click', submitInput);
      pad.append(ok);
    }
    showTyped();
  }

  function press(k) {
    const input = view && view.input;
    if (!input) return;
    const max = input.kind === 'pin' ? (input.max || 12) : 10;
    if (k === 'del') typed = typed.slice(0, -1);
    else if (k === 'clear') typed = '';
    else if (k === '.') {
      if (input.kind === 'amount' && !typed.includes('.') && typed.length) typed += '.';
    } else if (typed.length < max) {
      if (input.kind === 'amount') {
        const dot = typed.indexOf('.');
        if (dot >= 0 && typed.length - dot > 2) return; // two decimals at most
        if (typed === '0') typed = '';
      }
      typed += k;
    }
    showTyped();
  }

  function showTyped() {
    const input = view && view.input;
    const d = $('input-display');
    if (!input) return;
    if (input.kind === 'pin') {
      const n = input.max || Math.max(6, typed.length);
      d.textContent = '●'.repeat(typed.length) + '○'.repeat(Math.max(0, n - typed.length));
      d.setAttribute('aria-label', '已输入 ' + typed.length + ' 位');
    } else if (input.kind === 'amount') {
      d.textContent = typed ? typed + ' 元' : '';
      d.removeAttribute('aria-label');
    }
  }

  function toFen(text) {
    const m = /^(\d{1,7})(?:\.(\d{0,2}))?$/.exec(text);
    if (!m) return null;
    return String(Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0')));
  }

  function submitInput() {
    const input = view && view.input;
    if (!input) return;
    let value;
    if (input.kind === 'pin') {
      const min = input.min || 4;
      if (typed.length < min) { showNotice('请输入 ' + min + ' 位密码'); return; }
      value = typed;
    } else if (input.kind === 'amount') {
      value = toFen(typed);
      if (value === null || value === '0') { showNotice('请输入金额'); return; }
    } else {
      value = $('input-text').value;
    }
    typed = '';
    $('input-text').value = '';
    showTyped();
    send({ type: 'input', value });
  }

  function tick() {
    const c = $('countdown');
    if (!countdownEnd) { c.hidden = true; return; }
    const left = Math.max(0, Math.ceil((countdownEnd - Date.now()) / 1000));
    c.hidden = false;
    c.textContent = '剩余 ' + left + ' 秒';
    c.classList.toggle('low', left <= 10);
  }
  setInterval(tick, 250);

  // ---- keyboard --------------------------------------------------------------------------
  document.addEventListener('keydown', (e) => {
    if (!view || e.altKey || e.ctrlKey || e.metaKey) return;
    const input = view.input;
    const keypadInput = input && (input.kind === 'pin' || input.kind === 'amount');
    const inText = document.activeElement === $('input-text');
    if (e.key === 'Escape') {
      const back = document.getElementById('action-back') || document.getElementById('action-cancel')
        || document.getElementById('action-home');
      if (back) { e.preventDefault(); back.click(); }
      return;
    }
    if (keypadInput) {
      if (/^[0-9]$/.test(e.key) || (e.key === '.' && input.kind === 'amount')) {
        e.preventDefault(); press(e.key);
      } else if (e.key === 'Backspace') {
        e.preventDefault(); press('del');
      } else if (e.key === 'Enter' && (!(document.activeElement instanceof HTMLButtonElement)
          || $('keypad').contains(document.activeElement))) {
        e.preventDefault(); submitInput();
      }
      return;
    }
    if (inText) {
      if (e.key === 'Enter') { e.preventDefault(); submitInput(); }
      return;
    }
    if (/^[1-9]$/.test(e.key)) {
      const b = document.querySelectorAll('#items .item')[Number(e.key) - 1];
      if (b && !b.disabled) { e.preventDefault(); b.focus(); b.click(); }
    }
  });

  $('elderly').addEventListener('click', () => {
    send({ type: 'mode', elderly: !(view && view.mode === 'elderly') });
  });

  fetch('/api/view').then((r) => r.json()).then((v) => { if (!view) receive(v); }).catch(() => {});
  connect();
})();
