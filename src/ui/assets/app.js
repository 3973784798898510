// Concord's coder page: search with typeahead, concept pages, maps with patient context, copy
// buttons and list validation, all over the server's own API. No framework, no build step.
'use strict';

const SYSTEMS = {
  sct: 'http://snomed.info/sct',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
};
const NAMES = { sct: 'SNOMED CT', icd10: 'ICD-10', icd10cm: 'ICD-10-CM' };
const SHORT = Object.fromEntries(Object.entries(SYSTEMS).map(([k, v]) => [v, k]));
const FSN = '900000000000003001';
const DIALECTS = { '900000000000508004': 'en-GB', '900000000000509007': 'en-US' };
const ACCEPTABILITY = { '900000000000548007': 'preferred', '900000000000549004': 'acceptable' };
const ICD10_MAP = 'http://snomed.info/sct?fhir_cm=447562003';
const MAP_CATEGORIES = {
  447637006: 'properly classified', 447639009: 'context dependent', 447638001: 'cannot be classified',
  447640006: 'guidance only', 447635003: 'incompletely classified',
};
const LABELS = {
  kind: 'Kind', includes: 'Includes', inclusion: 'Inclusion terms', excludes1: 'Excludes 1',
  excludes2: 'Excludes 2', exclusion: 'Excludes', note: 'Note', notes: 'Notes',
  codeAlso: 'Code also', useAdditionalCode: 'Use additional code', codeFirst: 'Code first',
  sevenChrNote: '7th character', sevenChrDef: '7th characters', dagger: 'Dagger (aetiology)',
  asterisk: 'Asterisk (manifestation)', definition: 'Definition', usage: 'Dagger / asterisk',
  'coding-hint': 'Coding hint', text: 'Text', introduction: 'Introduction', preferredLong: 'Full title',
};
const USAGE = { dagger: '† dagger: the aetiology', aster: '* asterisk: the manifestation' };
const REASONS = {
  '900000000000482003': 'Duplicate', '900000000000483008': 'Outdated', '900000000000484002': 'Ambiguous',
  '900000000000485001': 'Erroneous', '900000000000486000': 'Limited', '900000000000487009': 'Moved elsewhere',
  '900000000000492005': 'Not semantically equivalent', '1186917008': 'Classification derived component',
  '1186919006': 'Meaning of component unknown', '723277005': 'Nonconformance to editorial policy',
};
const SKIP = new Set(['parent', 'child', 'inactive', 'module', 'moduleId', 'effectiveTime',
  'sufficientlyDefined', 'normalForm', 'normalFormTerse']);

const $ = (s, el = document) => el.querySelector(s);
const timings = [];
window.__concord = { timings };

/** An element with attributes and children (strings become text nodes: never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) el.append(c.nodeType ? c : String(c));
  }
  return el;
}

/** The server's answer as JSON; an OperationOutcome becomes an Error with its text. */
async function api(path, options = {}) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const issue = body && body.issue && body.issue[0];
    const text = issue ? (issue.diagnostics || (issue.details && issue.details.text)) : r.statusText;
    const e = new Error(text || `HTTP ${r.status}`);
    e.status = r.status;
    throw e;
  }
  return body;
}

const params = (p, name) => (p.parameter || []).filter((x) => x.name === name);
const param = (p, name) => params(p, name)[0];
const part = (x, name) => (x.part || []).find((y) => y.name === name);
const value = (x) => x && (x.valueString ?? x.valueCode ?? x.valueBoolean ?? x.valueInteger ??
  x.valueDecimal ?? x.valueDateTime ?? x.valueCoding ?? x.valueUri);

const settings = {
  get dialect() { return localStorage.getItem('concord.dialect') || 'en-GB'; },
  set dialect(v) { localStorage.setItem('concord.dialect', v); },
};

function conceptUrl(system, code) {
  const short = SHORT[system] || encodeURIComponent(system);
  return `/ui/concept/${short}/${encodeURIComponent(code)}`;
}

function link(system, code, text) {
  return h('a', { href: conceptUrl(system, code), 'data-code': code, onclick: follow },
    h('span', { class: 'mono' }, code), text ? ` ${text}` : '');
}

function follow(e) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button) return;
  e.preventDefault();
  navigate(e.currentTarget.getAttribute('href'));
}

function navigate(url) {
  history.pushState(null, '', url);
  route();
}

// ---------------------------------------------------------------- search

let controller = null;
let debounce = 0;
let selected = -1;
let hits = [];
let systemsReady = null;

const versions = new Map();

async function loadSystems() {
  const sel = $('#system');
  let loaded = [];
  try {
    const caps = await api('/metadata?mode=terminology');
    loaded = (caps.codeSystem || []).map((c) => c.uri);
    for (const c of caps.codeSystem || []) versions.set(c.uri, (c.version || []).map((v) => v.code));
  } catch (e) { /* the list stays as offered below */ }
  const offered = Object.entries(SYSTEMS).filter(([, url]) => loaded.includes(url));
  for (const [short, url] of offered.length ? offered : Object.entries(SYSTEMS)) {
    sel.append(h('option', { value: url }, NAMES[short]));
  }
  const wanted = localStorage.getItem('concord.system');
  if (wanted && [...sel.options].some((o) => o.value === wanted)) sel.value = wanted;
  loadVersions();
}

function loadVersions() {
  const list = versions.get($('#system').value) || [];
  $('#version').replaceChildren(h('option', { value: '' }, 'latest'), ...list.map((v) => h('option', { value: v }, v)));
}

function renderHits(result, started) {
  const list = $('#results');
  list.replaceChildren(...result.hits.map((hit, i) => h('li', {
    id: `hit-${i}`, role: 'option', 'aria-selected': 'false', 'data-code': hit.code,
    onclick: () => open(i),
  },
  h('span', { class: 'term' }, hit.term),
  h('span', { class: 'code' }, hit.code),
  h('span', { class: 'meta' },
    hit.preferred && hit.preferred !== hit.term ? `${hit.preferred} · ` : '',
    hit.category ? `${hit.category} · ` : '',
    hit.active ? '' : 'inactive · ', `${hit.match} match`))));
  hits = result.hits;
  selected = -1;
  $('#q').setAttribute('aria-expanded', String(hits.length > 0));
  $('#q').removeAttribute('aria-activedescendant');
  $('#status').textContent = result.total === 0 ? 'No concepts match.'
    : `${result.total} concept${result.total === 1 ? '' : 's'}${result.total > hits.length ? `, first ${hits.length}` : ''}`;
  if (started) timings.push(performance.now() - started);
}

async function search(started) {
  const q = $('#q').value.trim();
  if (controller) controller.abort();
  if (!q) {
    $('#results').replaceChildren();
    $('#status').textContent = '';
    return;
  }
  controller = new AbortController();
  const u = new URLSearchParams({ q, system: $('#system').value, lang: settings.dialect, limit: '20' });
  if ($('#ecl').value.trim()) u.set('ecl', $('#ecl').value.trim());
  if ($('#version').value) u.set('version', $('#version').value);
  // The search has an address of its own while it is the page shown.
  if (!location.pathname.startsWith('/ui/concept') && !location.pathname.startsWith('/ui/validate')) {
    history.replaceState(null, '', `/ui/?q=${encodeURIComponent(q)}`);
  }
  if ($('#inactive').checked) u.set('active', 'false');
  try {
    renderHits(await api(`/search?${u}`, { signal: controller.signal }), started);
  } catch (e) {
    if (e.name === 'AbortError') return;
    $('#results').replaceChildren();
    $('#status').textContent = e.message;
  }
}

function schedule(e) {
  const started = e && e.timeStamp ? e.timeStamp : performance.now();
  clearTimeout(debounce);
  debounce = setTimeout(() => search(started), 20);
}

function select(i) {
  const items = [...$('#results').children];
  if (!items.length) return;
  selected = (i + items.length) % items.length;
  items.forEach((li, k) => li.setAttribute('aria-selected', String(k === selected)));
  items[selected].scrollIntoView({ block: 'nearest' });
  $('#q').setAttribute('aria-activedescendant', items[selected].id);
}

function open(i) {
  const hit = hits[i < 0 ? 0 : i];
  if (!hit) return;
  $('#results').replaceChildren();
  $('#q').setAttribute('aria-expanded', 'false');
  navigate(conceptUrl($('#system').value, hit.code));
}

function onKey(e) {
  if (e.key === 'ArrowDown') { e.preventDefault(); select(selected + 1); }
  else if (e.key === 'ArrowUp') { e.preventDefault(); select(selected - 1); }
  else if (e.key === 'Enter') { e.preventDefault(); open(selected); }
  else if (e.key === 'Escape') { $('#results').replaceChildren(); selected = -1; }
}

// ---------------------------------------------------------------- concept page

function properties(p) {
  return params(p, 'property').map((x) => {
    const sub = part(x, 'subproperty');
    const group = sub && (sub.part || []).find((y) => y.name === 'value');
    return {
      code: value(part(x, 'code')), value: value(part(x, 'value')),
      description: value(part(x, 'description')), label: value(part(x, 'code-display')),
      group: group ? value(group) : 0,
    };
  });
}

function designations(p) {
  return params(p, 'designation').map((d) => {
    const contexts = (d.extension || []).map((ext) => {
      const get = (n) => ((ext.extension || []).find((y) => y.url === n) || {}).valueCoding || {};
      return { dialect: DIALECTS[get('context').code] || get('context').code, role: ACCEPTABILITY[get('role').code] || get('role').display };
    });
    const use = value(part(d, 'use')) || {};
    return { term: value(part(d, 'value')), use: use.code, useDisplay: use.display, language: value(part(d, 'language')), contexts };
  });
}

function copyButtons(system, code, term) {
  const coding = JSON.stringify({ system, code, display: term }, null, 2);
  const copy = (label, text) => h('button', {
    type: 'button', 'data-copy': label,
    onclick: async (e) => {
      const button = e.currentTarget;
      await writeClipboard(text);
      button.textContent = `Copied ${label}`;
      $('#status').textContent = `Copied ${label} to the clipboard`;
    },
  }, `Copy ${label}`);
  return h('div', { class: 'copies' },
    copy('code', code), copy('code |term|', `${code} |${term}|`), copy('FHIR Coding', coding));
}

async function writeClipboard(text) {
  window.__concord.copied = text;
  try { await navigator.clipboard.writeText(text); } catch (e) {
    const t = h('textarea', {}, text);
    document.body.append(t);
    t.select();
    document.execCommand('copy');
    t.remove();
  }
}

async function ancestors(system, code) {
  const chain = [];
  let at = code;
  for (let i = 0; i < 40; i++) {
    const p = await api(`/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${encodeURIComponent(at)}&displayLanguage=${settings.dialect}`);
    const parent = properties(p).find((x) => x.code === 'parent');
    if (!parent) break;
    chain.unshift(parent);
    at = parent.value;
  }
  return chain;
}

function readableRule(rule) {
  if (!rule || rule === 'TRUE') return 'always';
  if (rule === 'OTHERWISE TRUE') return 'otherwise';
  const m = rule.match(/^IFA\s+(\d+)\s*\|\s*([^|]*)\|\s*(.*)$/);
  if (!m) return rule;
  const [, id, term, rest] = m;
  if (id === '248152002') return 'if the patient is female';
  if (id === '248153007') return 'if the patient is male';
  if (id === '445518008') return `if age at onset ${rest.trim()}`;
  return `if the patient also has ${term.replace(/\s*\([^)]*\)\s*$/, '').trim()} (${id})`;
}

async function mapSection(system, code) {
  const section = h('section', { 'aria-labelledby': 'maps-h' }, h('h2', { id: 'maps-h' }, 'Maps to ICD-10'));
  const age = h('input', { id: 'ctx-age', type: 'number', min: '0', max: '130', step: '1', inputmode: 'numeric' });
  const sex = h('select', { id: 'ctx-sex' }, h('option', { value: '' }, 'not given'),
    h('option', { value: 'female' }, 'female'), h('option', { value: 'male' }, 'male'));
  const condition = h('input', { id: 'ctx-condition', type: 'text', placeholder: 'SNOMED CT code', spellcheck: 'false' });
  const out = h('div', { id: 'map-table', 'aria-live': 'polite' });
  const form = h('fieldset', {}, h('legend', {}, 'Patient context'),
    h('label', {}, 'Age at onset (years)', age), h('label', {}, 'Sex', sex),
    h('label', {}, 'Co-existing condition', condition));
  section.append(form, out);
  const run = async () => {
    const parameter = [
      { name: 'url', valueUri: ICD10_MAP }, { name: 'system', valueUri: system }, { name: 'code', valueCode: code },
    ];
    if (age.value !== '') parameter.push({ name: 'dependency', part: [{ name: 'element', valueUri: 'http://snomed.info/id/445518008' }, { name: 'value', valueQuantity: { value: Number(age.value), system: 'http://unitsofmeasure.org', code: 'a' } }] });
    if (sex.value) parameter.push({ name: 'dependency', part: [{ name: 'element', valueUri: 'http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender' }, { name: 'concept', valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: sex.value }] } }] });
    if (condition.value.trim()) parameter.push({ name: 'dependency', part: [{ name: 'element', valueUri: 'http://snomed.info/id/404684003' }, { name: 'concept', valueCodeableConcept: { coding: [{ system: SYSTEMS.sct, code: condition.value.trim() }] } }] });
    try {
      const p = await api('/ConceptMap/$translate', {
        method: 'POST', headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Parameters', parameter }),
      });
      const rows = params(p, 'match').map((m) => {
        const target = value(part(m, 'concept'));
        const outcome = value(part(m, 'ruleOutcome')) || '';
        const chosen = outcome === 'fired' || outcome === 'unconditional';
        const category = value(part(m, 'mapCategory'));
        return h('tr', { class: chosen ? 'chosen' : '', 'data-target': target ? target.code : '', 'data-outcome': outcome },
          h('td', {}, value(part(m, 'mapGroup')) ?? ''), h('td', {}, value(part(m, 'mapPriority')) ?? ''),
          h('td', {}, readableRule(value(part(m, 'mapRule')))),
          h('td', {}, target ? link(SYSTEMS.icd10, target.code, target.display || '') : '—'),
          h('td', {}, value(part(m, 'mapAdvice')) || ''),
          h('td', {}, category ? (category.display || MAP_CATEGORIES[category.code] || category.code) : ''),
          h('td', {}, outcome === 'fired' ? 'applies' : outcome === 'candidate' ? 'needs context' : outcome));
      });
      const message = value(param(p, 'message'));
      out.replaceChildren(
        rows.length ? h('table', {}, h('thead', {}, h('tr', {}, ['Group', 'Priority', 'Rule', 'Target', 'Advice', 'Category', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)) : h('p', {}, 'No map rows.'),
        message ? h('p', { class: 'muted' }, message) : '');
    } catch (e) {
      out.replaceChildren(h('p', {}, e.status === 404 ? 'No ICD-10 map is loaded.' : e.message));
    }
  };
  for (const el of [age, sex, condition]) el.addEventListener('input', run);
  await run();
  return section;
}

async function conceptPage(short, code) {
  const system = SYSTEMS[short] || decodeURIComponent(short);
  const main = $('#main');
  main.replaceChildren(h('p', {}, 'Loading…'));
  let p;
  try {
    p = await api(`/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${encodeURIComponent(code)}&property=*&displayLanguage=${settings.dialect}`);
  } catch (e) {
    main.replaceChildren(h('h1', {}, code), h('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  const props = properties(p);
  const terms = designations(p);
  const display = value(param(p, 'display')) || code;
  const fsn = (terms.find((t) => t.use === FSN) || {}).term;
  const inactive = (props.find((x) => x.code === 'inactive') || {}).value === true;
  const name = NAMES[SHORT[system]] || system;
  document.title = `${code} ${display} — Concord`;
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Ancestors' }, '…');
  const body = [
    crumbs,
    h('h1', {}, h('span', { class: 'mono' }, code), ' ', fsn || display, ' ',
      h('span', { class: `badge${inactive ? ' inactive' : ''}` }, inactive ? 'inactive' : 'active')),
    h('p', {}, `${name} · preferred term (${settings.dialect}): `, h('strong', { id: 'preferred' }, display)),
    copyButtons(system, code, display),
  ];
  if (inactive) {
    const box = h('section', { 'aria-labelledby': 'inactive-h', id: 'inactive-box' }, h('h2', { id: 'inactive-h' }, 'Inactive'));
    body.push(box);
    api(`/CodeSystem/$validate-code?url=${encodeURIComponent(system)}&code=${encodeURIComponent(code)}`).then((v) => {
      const reason = value(param(v, 'inactivationReason'));
      const repl = params(v, 'replacement');
      box.append(
        h('p', {}, 'Reason: ', reason ? (reason.display || REASONS[reason.code] || reason.code) : 'not given'),
        repl.length ? h('ul', { id: 'replacements' }, repl.map((r) => {
          const c = value(part(r, 'concept'));
          return h('li', {}, `${value(part(r, 'relationship'))}: `, link(c.system || system, c.code, c.display || ''));
        })) : h('p', {}, 'No replacement is recorded.'));
    }).catch((e) => box.append(h('p', { class: 'error' }, e.message)));
  }
  // Synonyms by dialect and acceptability (SNOMED CT), else by use.
  const groups = new Map();
  for (const t of terms) {
    const keys = t.contexts.length ? t.contexts.map((c) => `${c.dialect} ${c.role}`) : [t.useDisplay || t.language || 'term'];
    for (const k of keys) groups.set(k, [...(groups.get(k) || []), t]);
  }
  if (groups.size) {
    body.push(h('h2', {}, 'Terms'), h('div', { class: 'cols' }, [...groups].sort().map(([k, ts]) =>
      h('div', {}, h('h3', {}, k), h('ul', {}, ts.map((t) => h('li', {}, t.term, t.use === FSN ? ' (FSN)' : '')))))));
  }
  const parents = props.filter((x) => x.code === 'parent');
  const children = props.filter((x) => x.code === 'child');
  body.push(h('div', { class: 'cols' },
    h('section', { 'aria-labelledby': 'parents-h' }, h('h2', { id: 'parents-h' }, 'Parents'),
      h('ul', { id: 'parents' }, parents.map((x) => h('li', {}, link(system, x.value, x.description))))),
    h('section', { 'aria-labelledby': 'children-h' }, h('h2', { id: 'children-h' }, `Children (${children.length})`),
      h('ul', { id: 'children' }, children.slice(0, 200).map((x) => h('li', {}, link(system, x.value, x.description)))))));
  const attributes = props.filter((x) => /^\d+$/.test(x.code));
  if (attributes.length) {
    const byGroup = new Map();
    for (const a of attributes) byGroup.set(a.group, [...(byGroup.get(a.group) || []), a]);
    body.push(h('h2', {}, 'Defining attributes'), ...[...byGroup].sort((a, b) => a[0] - b[0]).map(([g, list]) =>
      h('table', { 'aria-label': g ? `Role group ${g}` : 'Ungrouped' },
        h('caption', {}, g ? `Role group ${g}` : 'Ungrouped'),
        h('tbody', {}, list.map((a) => h('tr', {}, h('th', { scope: 'row' }, a.label || a.code),
          h('td', {}, typeof a.value === 'string' && /^\d+$/.test(a.value) ? link(system, a.value, a.description) : String(a.value))))))));
  }
  const notes = props.filter((x) => !SKIP.has(x.code) && !/^\d+$/.test(x.code));
  if (notes.length) {
    body.push(h('h2', {}, 'Properties'), h('table', { id: 'notes' }, h('tbody', {}, notes.map((x) =>
      h('tr', {}, h('th', { scope: 'row' }, LABELS[x.code] || x.code),
        h('td', {}, x.code === 'usage' ? (USAGE[x.value] || x.value) : String(x.description || x.value)))))));
  }
  main.replaceChildren(...body);
  if (system === SYSTEMS.sct && !inactive) main.append(await mapSection(system, code));
  main.focus();
  ancestors(system, code).then((chain) => {
    crumbs.replaceChildren(...chain.flatMap((x) => [link(system, x.value, x.description), ' › ']), h('span', { 'aria-current': 'page' }, display));
  }).catch(() => crumbs.replaceChildren());
}

// ---------------------------------------------------------------- validate a list

function validatePage() {
  const main = $('#main');
  document.title = 'Validate a list — Concord';
  const system = h('select', { id: 'list-system' }, Object.entries(SYSTEMS).map(([k, v]) => h('option', { value: v }, NAMES[k])));
  const text = h('textarea', { id: 'list', 'aria-label': 'Codes, one per line (code, system|code, or CSV system,code,display)' });
  const file = h('input', { type: 'file', accept: '.csv,.txt', 'aria-label': 'Upload a CSV file' });
  const out = h('div', { id: 'list-results', 'aria-live': 'polite' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const run = async () => {
    const lines = text.value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (lines.length && /(^|,)code(,|$)/i.test(lines[0])) lines.shift();
    const units = lines.map((l) => {
      const csv = l.split(',');
      if (csv.length >= 2) return { system: csv[0].trim(), code: csv[1].trim(), ...(csv[2] ? { display: csv.slice(2).join(',').trim() } : {}) };
      const [s, c] = l.includes('|') ? l.split('|') : [system.value, l];
      return { system: SYSTEMS[s] || s, code: c };
    });
    const body = units.map((u) => JSON.stringify(u)).join('\n');
    const post = (path) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body })
      .then((r) => r.text()).then((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    out.replaceChildren(h('p', {}, 'Checking…'));
    try {
      const [checked, normalized] = await Promise.all([post('/$validate-code'), post('/$normalize')]);
      const rows = checked.map((v, i) => {
        const u = units[i];
        const n = normalized[i] || {};
        const result = value(param(v, 'result'));
        const state = result === undefined ? 'error' : !result ? 'invalid' : value(param(v, 'inactive')) ? 'inactive' : 'valid';
        const canonical = value(param(n, 'canonical'));
        const issues = value(param(v, 'issues')) || (param(v, 'issues') || {}).resource;
        const message = value(param(v, 'message')) || (issues && issues.issue && issues.issue[0] && (issues.issue[0].diagnostics || issues.issue[0].details.text)) || '';
        return h('tr', { 'data-state': state },
          h('td', {}, String(i + 1)), h('td', { class: 'mono' }, `${SHORT[u.system] || u.system}|${u.code}`),
          h('td', {}, h('span', { class: `badge ${state === 'valid' ? '' : state === 'inactive' ? 'warn' : 'invalid'}` }, state)),
          h('td', {}, value(param(v, 'display')) || ''),
          h('td', {}, canonical ? link(canonical.system, canonical.code, `${canonical.display || ''} (${value(param(n, 'how'))})`) : ''),
          h('td', {}, message));
      });
      out.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, ['#', 'Input', 'Status', 'Display', 'Canonical', 'Message'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message));
    }
  };
  main.replaceChildren(h('h1', {}, 'Validate a list'),
    h('p', {}, 'One code per line: a code (in the system chosen), system|code, or CSV rows system,code[,display].'),
    h('label', {}, 'Default code system ', system), text, h('p', {}, file, ' ', h('button', { type: 'button', id: 'run-list', onclick: run }, 'Validate')), out);
}

// ---------------------------------------------------------------- routing

function home() {
  document.title = 'Concord — clinical terminology';
  $('#main').replaceChildren(h('h1', {}, 'Find a clinical concept'),
    h('p', {}, 'Type in the search box: words in any order, partial words and typos work. ',
      'Use the arrow keys and Enter, or press / from anywhere to search again.'));
}

async function route() {
  await systemsReady;
  const path = location.pathname.replace(/\/+$/, '');
  const m = path.match(/^\/ui\/concept\/([^/]+)\/(.+)$/);
  if (m) return conceptPage(m[1], decodeURIComponent(m[2]));
  if (path === '/ui/validate') return validatePage();
  const q = new URLSearchParams(location.search).get('q');
  home();
  if (q) { $('#q').value = q; search(); }
}

document.addEventListener('DOMContentLoaded', () => {
  const dialect = $('#dialect');
  dialect.value = settings.dialect;
  dialect.addEventListener('change', () => { settings.dialect = dialect.value; schedule(); route(); });
  $('#search').addEventListener('submit', (e) => e.preventDefault());
  $('#q').addEventListener('input', schedule);
  $('#q').addEventListener('keydown', onKey);
  $('#ecl').addEventListener('change', () => schedule());
  $('#inactive').addEventListener('change', () => schedule());
  $('#system').addEventListener('change', () => { localStorage.setItem('concord.system', $('#system').value); loadVersions(); schedule(); });
  $('#version').addEventListener('change', () => schedule());
  document.addEventListener('keydown', (e) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
    if (e.key === '/' && !typing) { e.preventDefault(); $('#q').focus(); }
  });
  document.querySelectorAll('header a').forEach((a) => a.addEventListener('click', follow));
  window.addEventListener('popstate', route);
  systemsReady = loadSystems();
  route();
});
