// The findings browser of the HTML report. Data comes from the two JSON blocks
// the Rust writer embeds (#rows: one compact array per finding; #meta: rules and
// the string dictionary). Filterable columns go into typed arrays once; a filter
// walks those arrays in the current sort order and only one page of rows is ever
// turned into DOM, so 100,000 findings stay responsive. Finding text is only
// ever set with textContent (or escaped), never parsed as markup.
(function () {
  'use strict';
  var started = performance.now();
  var meta = JSON.parse(document.getElementById('meta').textContent);
  var rows = JSON.parse(document.getElementById('rows').textContent);
  var N = rows.length;
  var S = meta.strings;
  var RULES = meta.rules;
  var STATUS = meta.statuses;
  var SEV = meta.severities;
  var SEV_WEIGHT = [0, 1, 3, 5, 10];
  var FAILING = { non_compliant: 1, error: 1 };
  // Row fields (see HtmlWriter::finding).
  var F_RULE = 0, F_STATUS = 1, F_SEV = 2, F_ID = 3, F_NAME = 4, F_ARN = 5, F_REGION = 6,
    F_ACCOUNT = 7, F_TYPE = 8, F_SERVICE = 9, F_CRIT = 10, F_EVIDENCE = 11, F_EXEMPTION = 12,
    F_SOURCE = 13, F_REMEDIATION = 14;

  var cRule = new Uint32Array(N), cStatus = new Uint8Array(N), cSev = new Uint8Array(N),
    cRegion = new Int32Array(N), cAccount = new Int32Array(N), cService = new Int32Array(N),
    cWeight = new Float32Array(N), cFailing = new Uint8Array(N);
  var failingIdx = [];
  for (var s = 0; s < STATUS.length; s++) if (FAILING[STATUS[s]]) failingIdx.push(s);
  for (var i = 0; i < N; i++) {
    var r = rows[i];
    cRule[i] = r[F_RULE]; cStatus[i] = r[F_STATUS]; cSev[i] = r[F_SEV];
    cRegion[i] = r[F_REGION]; cAccount[i] = r[F_ACCOUNT]; cService[i] = r[F_SERVICE];
    cWeight[i] = SEV_WEIGHT[r[F_SEV]] * r[F_CRIT];
    cFailing[i] = failingIdx.indexOf(r[F_STATUS]) >= 0 ? 1 : 0;
  }
  var frameworks = [], fwIndex = {}, ruleFw = [];
  RULES.forEach(function (rule, ri) {
    ruleFw[ri] = (rule.frameworks || []).map(function (f) {
      if (!(f in fwIndex)) { fwIndex[f] = frameworks.length; frameworks.push(f); }
      return fwIndex[f];
    });
  });

  // --- state ------------------------------------------------------------------
  var state = {
    status: 'failing', severity: '', service: '', rule: '', framework: '', account: '',
    region: '', q: '', sort: 'risk', asc: false, page: 0, size: 50
  };
  var order = null, orderKey = '';
  var view = new Uint32Array(N), viewLen = 0;
  var open = {};
  var hay = null, hayBuilt = 0;
  var lastApplyMs = 0;

  // --- small DOM helpers ------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function str(i) { return i >= 0 ? S[i] : ''; }
  function esc(t) {
    return String(t).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function count(n) { return n.toLocaleString('en'); }

  // --- sorting ----------------------------------------------------------------
  var resRank = null;
  function resourceRank() {
    if (resRank) return resRank;
    var idx = new Array(N);
    for (var i = 0; i < N; i++) idx[i] = i;
    idx.sort(function (a, b) {
      var x = rows[a][F_ID], y = rows[b][F_ID];
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    resRank = new Uint32Array(N);
    for (var k = 0; k < N; k++) resRank[idx[k]] = k;
    return resRank;
  }
  function stringRank(values) {
    // Rank of each dictionary index among the values used, by text.
    var used = {};
    for (var i = 0; i < N; i++) used[values[i]] = 1;
    var keys = Object.keys(used).map(Number).sort(function (a, b) {
      var x = str(a), y = str(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    var rank = {};
    keys.forEach(function (k, n) { rank[k] = n; });
    return rank;
  }
  function sortKeys(sort) {
    var key = new Float64Array(N), rr, rank, i;
    if (sort === 'risk') {
      for (i = 0; i < N; i++) key[i] = (cFailing[i] ? 0 : 1e6) + (4 - cSev[i]) * 1e4 + (1000 - cWeight[i] * 10);
      return key;
    }
    rr = resourceRank();
    if (sort === 'resource') { for (i = 0; i < N; i++) key[i] = rr[i]; return key; }
    if (sort === 'status') { for (i = 0; i < N; i++) key[i] = (cFailing[i] ? 0 : 8 + cStatus[i]) * N + rr[i]; return key; }
    if (sort === 'severity') { for (i = 0; i < N; i++) key[i] = (4 - cSev[i]) * N + rr[i]; return key; }
    if (sort === 'rule') {
      var ids = RULES.map(function (r, n) { return n; }).sort(function (a, b) {
        return RULES[a].id < RULES[b].id ? -1 : RULES[a].id > RULES[b].id ? 1 : 0;
      });
      rank = {}; ids.forEach(function (r, n) { rank[r] = n; });
      for (i = 0; i < N; i++) key[i] = rank[cRule[i]] * N + rr[i];
      return key;
    }
    var col = sort === 'account' ? cAccount : sort === 'region' ? cRegion : cService;
    rank = stringRank(col);
    for (i = 0; i < N; i++) key[i] = rank[col[i]] * N + rr[i];
    return key;
  }
  function ensureOrder() {
    var k = state.sort + (state.asc ? '+' : '-');
    if (order && orderKey === k) return;
    var key = sortKeys(state.sort);
    // 'risk' reads naturally worst first; the others A→Z first.
    var flip = state.sort === 'risk' ? state.asc : !state.asc;
    var idx = new Uint32Array(N);
    for (var i = 0; i < N; i++) idx[i] = i;
    idx.sort(function (a, b) {
      var d = key[a] - key[b];
      if (d === 0) d = a - b;
      return flip ? -d : d;
    });
    order = idx; orderKey = k;
  }

  // --- search -----------------------------------------------------------------
  // Lower-cased once: rule text and dictionary strings are shared by many rows.
  var ruleHay = RULES.map(function (rule) { return (rule.id + '\n' + rule.title).toLowerCase(); });
  var strHay = S.map(function (t) { return t.toLowerCase(); });
  function lowerStr(i) { return i >= 0 ? strHay[i] : ''; }
  function hayOf(i) {
    var r = rows[i], ev = r[F_EVIDENCE], ex = r[F_EXEMPTION], found = ev[2];
    var own = r[F_ID] + '\n' + (r[F_NAME] || '') + '\n' + (r[F_ARN] || '') + '\n' +
      (found == null ? '' : typeof found === 'string' ? found : JSON.stringify(found)) + '\n' +
      (ev[4] || '') + '\n' + (ex ? ex.join(' ') : '');
    return own.toLowerCase() + '\n' + ruleHay[r[F_RULE]] + '\n' + lowerStr(r[F_ACCOUNT]) + '\n' +
      lowerStr(r[F_REGION]) + '\n' + lowerStr(r[F_TYPE]) + '\n' + lowerStr(r[F_SERVICE]) + '\n' +
      STATUS[r[F_STATUS]] + '\n' + SEV[r[F_SEV]];
  }
  // The search text of a row is made when a search first reaches the row (only
  // rows that pass the other filters), and in slices after the first render, so
  // the page is usable at once and a later search costs only the scan.
  hay = new Array(N);
  function hayAt(i) {
    var h = hay[i];
    if (h === undefined) h = hay[i] = hayOf(i);
    return h;
  }
  function buildHayIdle() {
    if (hayBuilt >= N) return;
    for (var end = Math.min(N, hayBuilt + 10000); hayBuilt < end; hayBuilt++) hayAt(hayBuilt);
    setTimeout(buildHayIdle, 0);
  }

  // --- filtering --------------------------------------------------------------
  function apply() {
    var t = performance.now();
    ensureOrder();
    var st = state.status, wantFailing = st === 'failing', stIdx = (st === 'failing' || st === '') ? -1 : +st;
    var sev = state.severity === '' ? -1 : +state.severity;
    var svc = state.service === '' ? null : +state.service;
    var rule = state.rule === '' ? -1 : +state.rule;
    var acc = state.account === '' ? null : +state.account;
    var reg = state.region === '' ? null : +state.region;
    var fwRules = null;
    if (state.framework !== '') {
      var fw = +state.framework;
      fwRules = new Uint8Array(RULES.length);
      ruleFw.forEach(function (list, ri) { if (list.indexOf(fw) >= 0) fwRules[ri] = 1; });
    }
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    for (var k = 0; k < N; k++) {
      var i = order[k];
      if (wantFailing) { if (!cFailing[i]) continue; } else if (stIdx >= 0 && cStatus[i] !== stIdx) continue;
      if (sev >= 0 && cSev[i] !== sev) continue;
      if (svc !== null && cService[i] !== svc) continue;
      if (rule >= 0 && cRule[i] !== rule) continue;
      if (acc !== null && cAccount[i] !== acc) continue;
      if (reg !== null && cRegion[i] !== reg) continue;
      if (fwRules && !fwRules[cRule[i]]) continue;
      if (terms.length) {
        var h = hayAt(i), ok = true;
        for (var q = 0; q < terms.length; q++) if (h.indexOf(terms[q]) < 0) { ok = false; break; }
        if (!ok) continue;
      }
      view[n++] = i;
    }
    viewLen = n;
    var pages = Math.max(1, Math.ceil(viewLen / state.size));
    if (state.page >= pages) state.page = pages - 1;
    render();
    lastApplyMs = performance.now() - t;
    window.__report.lastApplyMs = lastApplyMs;
    window.__report.matches = viewLen;
  }

  // --- rendering --------------------------------------------------------------
  var app = document.getElementById('app');
  var controls = {};
  function select(name, label, options) {
    var s = el('select', { name: name, id: 'f-' + name });
    options.forEach(function (o) { s.appendChild(el('option', { value: o[0], text: o[1] })); });
    s.value = state[name];
    s.addEventListener('change', function () { state[name] = s.value; state.page = 0; apply(); });
    controls[name] = s;
    return el('label', null, [label, s]);
  }
  function usedOptions(col, allLabel) {
    var seen = {};
    for (var i = 0; i < N; i++) seen[col[i]] = (seen[col[i]] || 0) + 1;
    var keys = Object.keys(seen).map(Number).filter(function (k) { return k >= 0; });
    keys.sort(function (a, b) { return str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0; });
    return [['', allLabel]].concat(keys.map(function (k) { return [String(k), str(k) + ' (' + count(seen[k]) + ')']; }));
  }
  function build() {
    var statusCounts = {};
    for (var i = 0; i < N; i++) statusCounts[cStatus[i]] = (statusCounts[cStatus[i]] || 0) + 1;
    var failing = 0;
    failingIdx.forEach(function (s) { failing += statusCounts[s] || 0; });
    if (!failing) state.status = '';
    var statusOpts = [['failing', 'failing: non-compliant + error (' + count(failing) + ')'], ['', 'all (' + count(N) + ')']]
      .concat(STATUS.map(function (s, n) { return [String(n), s + ' (' + count(statusCounts[n] || 0) + ')']; }));
    var sevOpts = [['', 'all']];
    for (var v = SEV.length - 1; v >= 0; v--) sevOpts.push([String(v), SEV[v]]);
    var ruleCounts = {};
    for (i = 0; i < N; i++) ruleCounts[cRule[i]] = (ruleCounts[cRule[i]] || 0) + 1;
    var ruleOpts = [['', 'all']].concat(RULES.map(function (r, n) { return [String(n), r.id + ' (' + count(ruleCounts[n] || 0) + ')']; })
      .sort(function (a, b) { return a[1] < b[1] ? -1 : 1; }));
    var fwOpts = [['', 'all']].concat(frameworks.map(function (f, n) { return [String(n), f]; })
      .sort(function (a, b) { return a[1] < b[1] ? -1 : 1; }));
    var search = el('input', { type: 'search', id: 'f-q', placeholder: 'resource, ARN, rule, evidence…', 'aria-label': 'Search' });
    var timer = null;
    function runSearch() { clearTimeout(timer); if (state.q === search.value) return; state.q = search.value; state.page = 0; apply(); }
    search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(runSearch, N > 20000 ? 150 : 0); });
    search.addEventListener('change', runSearch);
    search.addEventListener('keydown', function (e) { if (e.key === 'Enter') runSearch(); });
    controls.q = search;
    var sortSel = select('sort', 'Sort', [['risk', 'risk (severity × criticality)'], ['severity', 'severity'], ['status', 'status'],
      ['rule', 'rule'], ['resource', 'resource'], ['service', 'service'], ['account', 'account'], ['region', 'region']]);
    var reset = el('button', { type: 'button', id: 'f-reset', text: 'Reset' });
    reset.addEventListener('click', function () {
      ['severity', 'service', 'rule', 'framework', 'account', 'region'].forEach(function (k) { state[k] = ''; controls[k].value = ''; });
      state.status = failing ? 'failing' : ''; controls.status.value = state.status;
      state.q = ''; search.value = ''; state.page = 0;
      state.sort = 'risk'; state.asc = false; controls.sort.value = 'risk';
      apply();
    });
    var toolbar = el('div', { cls: 'toolbar' }, [
      el('label', null, ['Search', search]),
      select('status', 'Status', statusOpts),
      select('severity', 'Severity', sevOpts),
      select('service', 'Service', usedOptions(cService, 'all')),
      select('rule', 'Rule', ruleOpts),
      select('framework', 'Framework', fwOpts),
      select('account', 'Account', usedOptions(cAccount, 'all')),
      select('region', 'Region', usedOptions(cRegion, 'all')),
      sortSel, reset
    ]);
    var head = el('tr');
    [['severity', 'Severity'], ['status', 'Status'], ['rule', 'Rule'], ['resource', 'Resource'], ['service', 'Service'],
      ['account', 'Account'], ['region', 'Region']].forEach(function (c) {
      var th = el('th', { 'data-sort': c[0], text: c[1] });
      th.addEventListener('click', function () {
        if (state.sort === c[0]) state.asc = !state.asc; else { state.sort = c[0]; state.asc = false; }
        controls.sort.value = state.sort; state.page = 0; apply();
      });
      head.appendChild(th);
    });
    controls.head = head;
    controls.tbody = el('tbody');
    controls.info = el('span', { id: 'matches' });
    controls.pageInfo = el('span');
    var size = el('select', { id: 'f-size', 'aria-label': 'Rows per page' });
    [25, 50, 100, 200].forEach(function (n) { size.appendChild(el('option', { value: String(n), text: n + ' per page' })); });
    size.value = String(state.size);
    size.addEventListener('change', function () { state.size = +size.value; state.page = 0; apply(); });
    function nav(label, id, to) {
      var b = el('button', { type: 'button', id: id, text: label });
      b.addEventListener('click', function () {
        var pages = Math.max(1, Math.ceil(viewLen / state.size));
        state.page = Math.min(pages - 1, Math.max(0, to(pages)));
        render();
      });
      return b;
    }
    var pager = el('div', { cls: 'pager' }, [
      nav('«', 'p-first', function () { return 0; }), nav('‹ Previous', 'p-prev', function () { return state.page - 1; }),
      controls.pageInfo, nav('Next ›', 'p-next', function () { return state.page + 1; }),
      nav('»', 'p-last', function (p) { return p - 1; }), controls.info, size
    ]);
    app.appendChild(toolbar);
    app.appendChild(pager);
    app.appendChild(el('table', { id: 'grid', cls: 'list' }, [el('thead', null, [head]), controls.tbody]));
    app.hidden = false;
    // Links of the summary (the worst risks) open their finding here.
    document.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('a[data-row]');
      if (!a) return;
      e.preventDefault();
      showRow(+a.getAttribute('data-row'));
    });
  }

  function render() {
    var tb = controls.tbody;
    tb.textContent = '';
    var start = state.page * state.size, end = Math.min(viewLen, start + state.size);
    for (var k = start; k < end; k++) {
      var i = view[k], r = rows[i], rule = RULES[r[F_RULE]];
      var tr = el('tr', { cls: 'row', 'data-row': String(i), tabindex: '0' }, [
        el('td', null, [el('span', { cls: 'sev ' + SEV[r[F_SEV]], text: SEV[r[F_SEV]] })]),
        el('td', null, [el('span', { cls: 'st ' + STATUS[r[F_STATUS]], text: STATUS[r[F_STATUS]].replace('_', '-') })]),
        el('td', null, [rule.title, el('br'), el('code', { text: rule.id })]),
        el('td', { cls: 'res' }, [el('code', { text: r[F_ID] }), r[F_NAME] && r[F_NAME] !== r[F_ID] ? ' ' + r[F_NAME] : null]),
        el('td', { text: str(r[F_SERVICE]) }),
        el('td', { text: str(r[F_ACCOUNT]) }),
        el('td', { text: str(r[F_REGION]) })
      ]);
      tr.addEventListener('click', toggle);
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') toggle.call(this); });
      tb.appendChild(tr);
      if (open[i]) { tr.classList.add('open'); tb.appendChild(detail(i)); }
    }
    if (!viewLen) tb.appendChild(el('tr', null, [el('td', { colspan: '7', text: 'No finding matches these filters.' })]));
    var pages = Math.max(1, Math.ceil(viewLen / state.size));
    controls.pageInfo.textContent = 'page ' + (state.page + 1) + ' of ' + count(pages);
    controls.info.textContent = count(viewLen) + ' of ' + count(N) + ' findings';
    Array.prototype.forEach.call(controls.head.children, function (th) {
      th.className = th.getAttribute('data-sort') === state.sort ? 'sorted' + (state.asc ? ' asc' : '') : '';
    });
  }

  function toggle() {
    var i = +this.getAttribute('data-row');
    if (open[i]) {
      delete open[i];
      this.classList.remove('open');
      var next = this.nextSibling;
      if (next && next.classList.contains('detail')) next.remove();
    } else {
      open[i] = 1;
      this.classList.add('open');
      this.parentNode.insertBefore(detail(i), this.nextSibling);
    }
  }

  function detail(i) {
    var r = rows[i], rule = RULES[r[F_RULE]], ev = r[F_EVIDENCE], ex = r[F_EXEMPTION];
    var dl = el('dl');
    function add(label, value) {
      if (value == null || value === '') return;
      dl.appendChild(el('dt', { text: label }));
      dl.appendChild(el('dd', null, [value]));
    }
    add('Rule', el('span', null, [el('code', { text: rule.id }), ' ' + rule.title]));
    add('Status', STATUS[r[F_STATUS]] + ' · ' + SEV[r[F_SEV]] + ' · weight ' + (SEV_WEIGHT[r[F_SEV]] * r[F_CRIT]) +
      ' (severity ' + SEV_WEIGHT[r[F_SEV]] + ' × criticality ' + r[F_CRIT] + ')');
    add('Resource', el('span', null, [el('code', { text: r[F_ID] }), ' ' + str(r[F_TYPE]) + (r[F_NAME] ? ' · ' + r[F_NAME] : '')]));
    if (r[F_ARN]) add('ARN', el('code', { text: r[F_ARN] }));
    add('Account / region', (str(r[F_ACCOUNT]) || '-') + ' / ' + (str(r[F_REGION]) || '-'));
    add('Evidence path', el('code', { text: str(ev[0]) }));
    add('Found', ev[3] ? 'missing (the path is absent)' : el('pre', { text: ev[2] == null ? '-' : JSON.stringify(ev[2], null, 2) }));
    add('Expected', str(ev[1]));
    if (ev[4]) add('Note', ev[4]);
    add('Why', rule.why);
    add('Fix', rule.fix);
    if (r[F_REMEDIATION] >= 0) add('Remediation', el('code', { text: 'compliance remediate --rule ' + rule.id + '  (' + str(r[F_REMEDIATION]) + ')' }));
    if (ex) add('Exemption', ex[0] + ' — owner ' + ex[1] + ', expires ' + ex[2]);
    if (rule.frameworks && rule.frameworks.length) add('Frameworks', rule.frameworks.join(', '));
    if (rule.config_rule) add('AWS Config rule', rule.config_rule);
    if (r[F_SOURCE]) add('Source', r[F_SOURCE]);
    if (rule.file) add('Rule file', rule.file);
    return el('tr', { cls: 'detail' }, [el('td', { colspan: '7' }, [dl])]);
  }

  function showRow(i) {
    ['severity', 'service', 'rule', 'framework', 'account', 'region'].forEach(function (k) { state[k] = ''; controls[k].value = ''; });
    state.status = ''; controls.status.value = '';
    state.q = ''; controls.q.value = '';
    state.page = 0;
    apply();
    var pos = -1;
    for (var k = 0; k < viewLen; k++) if (view[k] === i) { pos = k; break; }
    if (pos < 0) return;
    open[i] = 1;
    state.page = Math.floor(pos / state.size);
    render();
    var tr = controls.tbody.querySelector('tr[data-row="' + i + '"]');
    if (tr) tr.scrollIntoView({ block: 'center' });
  }

  // The auditor's printout: the summary, then every failing finding, worst first.
  window.addEventListener('beforeprint', function () {
    var saved = order, savedKey = orderKey, sort = state.sort, asc = state.asc;
    state.sort = 'risk'; state.asc = false; ensureOrder();
    // One block per finding, not a table: paginating a table of tens of
    // thousands of rows takes Chromium several times longer to lay out.
    var html = ['<h2>Failing findings, worst first</h2>'];
    for (var k = 0; k < N; k++) {
      var i = order[k];
      if (!cFailing[i]) break;
      var r = rows[i], rule = RULES[r[F_RULE]], ev = r[F_EVIDENCE];
      var found = ev[3] ? 'missing' : ev[2] == null ? '-' : JSON.stringify(ev[2]);
      if (found.length > 160) found = found.slice(0, 157) + '…';
      html.push('<div class="pf"><b>' + esc(SEV[r[F_SEV]]) + '</b> ' + esc(STATUS[r[F_STATUS]]) + ' · <code>' + esc(rule.id) +
        '</code> · <code>' + esc(r[F_ID]) + '</code> · ' + esc(str(r[F_ACCOUNT]) || '-') + ' / ' + esc(str(r[F_REGION]) || '-') +
        '<br><span>' + esc(str(ev[0])) + ': found ' + esc(found) + (ev[4] ? ' (' + esc(ev[4]) + ')' : '') + '</span></div>');
    }
    document.getElementById('print-list').innerHTML = html.join('');
    order = saved; orderKey = savedKey; state.sort = sort; state.asc = asc;
  });
  window.addEventListener('afterprint', function () { document.getElementById('print-list').textContent = ''; });

  window.__report = { rows: N, ready: false };
  build();
  apply();
  window.__report.ready = true;
  window.__report.readyMs = performance.now();
  window.__report.scriptMs = performance.now() - started;
  setTimeout(buildHayIdle, 50);
})();
