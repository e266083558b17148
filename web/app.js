/* hotline console: talks only to its own node (same origin), builds every
 * piece of text with textContent (never innerHTML), keeps no secret in
 * storage. The CSRF token lives in memory; the session cookie is HttpOnly. */
'use strict';

(function () {
	const S = {
		me: null,            // session: user, role, clearance, nationality, csrf_token, levels
		csrf: null,
		view: 'inbox',
		inbox: [],
		partners: [],        // partner codes known from status
		peers: [],
		events: null,
		audio: null,
		beepTimer: null,
		labelSeq: 0,
		allowed: {},         // node -> allowed by the current label
		refreshTimer: null,
		previews: {},        // id -> first lines of the text (fetched once)
	};
	// what the browser tests read: cues played and the alarm state
	window.hotlineCue = { beeps: 0, alarm: false };

	const $ = (id) => document.getElementById(id);

	function el(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		if (attrs) {
			for (const [k, v] of Object.entries(attrs)) {
				if (v === null || v === undefined || v === false) continue;
				if (k === 'class') e.className = v;
				else if (k === 'text') e.textContent = v;
				else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
				else if (k === 'dataset') Object.assign(e.dataset, v);
				else e.setAttribute(k, v === true ? '' : v);
			}
		}
		for (const c of kids) {
			if (c === null || c === undefined || c === false) continue;
			e.append(c instanceof Node ? c : document.createTextNode(String(c)));
		}
		return e;
	}

	function fmtTime(t) {
		if (!t) return '—';
		return t.replace('T', ' ').slice(0, 19) + 'Z';
	}
	// a track's times to the millisecond, UTC
	function fmtTimeMs(t) {
		if (!t) return '—';
		const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?/.exec(t);
		if (!m) return t;
		return m[1] + ' ' + m[2] + '.' + ((m[3] || '.').slice(1) + '000').slice(0, 3) + 'Z';
	}
	function ago(t) {
		if (!t) return '';
		const s = Math.round((Date.now() - Date.parse(t)) / 1000);
		if (s < 0) return '';
		if (s < 60) return s + ' s ago';
		if (s < 3600) return Math.round(s / 60) + ' min ago';
		return Math.round(s / 3600) + ' h ago';
	}

	// ---- API ----
	async function api(method, path, body, background) {
		const h = { 'X-Hotline-Console': '1' };
		if (background) h['X-Hotline-Background'] = '1';
		if (method !== 'GET' && S.csrf) h['X-CSRF-Token'] = S.csrf;
		if (body !== undefined) h['Content-Type'] = 'application/json';
		let r;
		try {
			r = await fetch(path, {
				method, headers: h, credentials: 'same-origin', cache: 'no-store',
				body: body !== undefined ? JSON.stringify(body) : undefined,
			});
		} catch (e) {
			return { status: 0, json: { message: 'the node cannot be reached' } };
		}
		let j = null;
		try { j = await r.json(); } catch (e) { j = null; }
		if (r.status === 401 && S.me && !path.startsWith('/console/login')) {
			showLogin((j && j.message) || 'session ended');
		}
		return { status: r.status, json: j };
	}

	// ---- login / session ----
	function showLogin(msg) {
		S.me = null;
		S.csrf = null;
		if (S.events) { S.events.close(); S.events = null; }
		if (S.refreshTimer) { clearInterval(S.refreshTimer); S.refreshTimer = null; }
		setAlarm(0, 0);
		$('tabs').hidden = true;
		$('who').hidden = true;
		for (const v of document.querySelectorAll('.view')) v.hidden = true;
		$('view-login').hidden = false;
		$('login-error').textContent = msg || '';
		$('login-pass').value = '';
		$('login-code').value = '';
		$('login-user').focus();
	}

	function ensureAudio() {
		try {
			if (!S.audio) S.audio = new (window.AudioContext || window.webkitAudioContext)();
			if (S.audio.state === 'suspended') S.audio.resume();
		} catch (e) { /* no audio device: the banner still flashes */ }
	}

	async function login(ev) {
		ev.preventDefault();
		ensureAudio();   // a user gesture: the FLASH tone may play later
		$('login-error').textContent = '';
		$('login-submit').disabled = true;
		const body = { user: $('login-user').value, password: $('login-pass').value };
		// the one-time code of an account with a second factor: sent only when given
		if ($('login-code').value !== '') body.code = $('login-code').value;
		const r = await api('POST', '/console/login', body);
		$('login-submit').disabled = false;
		$('login-pass').value = '';
		$('login-code').value = '';   // a code is good once
		if (r.status !== 200) {
			$('login-error').textContent = (r.json && r.json.message) || ('login failed (' + r.status + ')');
			return;
		}
		start(r.json);
	}

	async function logout() {
		await api('POST', '/console/logout', {});
		showLogin('logged out');
	}

	function start(me) {
		S.me = me;
		S.csrf = me.csrf_token;
		$('view-login').hidden = true;
		$('tabs').hidden = false;
		$('who').hidden = false;
		$('node-name').textContent = me.node;
		$('who-text').textContent = me.user + ' · ' + me.role + ' · ' + me.clearance + ' · ' + me.nationality;
		// an analyst works on threat intelligence: the duty officer's views
		// (envelopes, tracks, audit) are not for that role (docs/API.md "Roles")
		S.duty = me.role === 'admin' || me.role === 'officer';
		for (const t of document.querySelectorAll('.tab'))
			t.hidden = !S.duty && !['links', 'intel', 'corr'].includes(t.dataset.view);
		const cls = $('c-classification');
		cls.replaceChildren(...me.levels.map((l) => el('option', { value: l, text: l })));
		if (S.duty) {
			connectEvents();
			refreshStatus(true).then(() => { buildRelChecks(); labelCheck(); });
			refreshInbox(true);
			refreshTrackAlerts(true);
		} else {
			refreshStatus(true);
		}
		let view = S.view === 'login' ? 'inbox' : S.view;
		if (!S.duty && !['links', 'intel', 'corr'].includes(view)) view = 'intel';
		show(view);
		S.refreshTimer = setInterval(() => {
			refreshStatus(true);
			if (!S.duty) return;
			refreshTrackAlerts(true);
			if (S.view === 'sent') refreshSent(true);
			if (S.view === 'tracks') refreshTracks(true);
		}, 5000);
	}

	// ---- live events ----
	function connectEvents() {
		if (S.events) S.events.close();
		const es = new EventSource('/api/v1/events');
		S.events = es;
		es.onopen = () => { $('live').className = 'live on'; refreshInbox(true); };
		es.onerror = () => {
			$('live').className = 'live off';
			// a closed stream may mean a dead session: ask, and reconnect if alive
			setTimeout(async () => {
				if (!S.me || S.events !== es || es.readyState !== EventSource.CLOSED) return;
				const r = await api('GET', '/console/session', undefined, true);
				if (r.status === 200) connectEvents();
			}, 2000);
		};
		// a correlation alert arrives as an envelope to our own inbox
		es.addEventListener('envelope', () => { refreshInbox(true); if (S.view === 'tracks') refreshTracks(true); if (S.view === 'corr') refreshCorrelations(); });
		// the track stream: the picture and its alerts, not the inbox
		es.addEventListener('tracks', () => { refreshTrackAlerts(true); if (S.view === 'tracks') refreshTracks(true); });
		es.addEventListener('ack', () => { refreshInbox(true); });
		es.addEventListener('delivery', () => { refreshSent(true); });
		es.addEventListener('link', () => { refreshStatus(true); });
		es.addEventListener('session', () => { showLogin('session ended (idle timeout or logout)'); });
	}

	// ---- FLASH alarm: banner + tone until every FLASH is acknowledged ----
	function beep() {
		window.hotlineCue.beeps++;
		document.body.dataset.beeps = String(window.hotlineCue.beeps);
		if (!S.audio) return;
		try {
			const t = S.audio.currentTime;
			for (let i = 0; i < 3; i++) {
				const o = S.audio.createOscillator(), g = S.audio.createGain();
				o.type = 'square';
				o.frequency.value = 1040;
				g.gain.setValueAtTime(0.0001, t + i * 0.22);
				g.gain.exponentialRampToValueAtTime(0.25, t + i * 0.22 + 0.02);
				g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.22 + 0.16);
				o.connect(g).connect(S.audio.destination);
				o.start(t + i * 0.22);
				o.stop(t + i * 0.22 + 0.18);
			}
		} catch (e) { /* the banner remains */ }
	}

	// the alarm rings for unacknowledged FLASH messages and for open track
	// alerts (a new track, a threat change, a drop, a stale track: the
	// events docs/internals/tracks.md raises; position updates raise none)
	function setAlarm(flash, tracks) {
		if (flash !== undefined) S.alarmFlash = flash;
		if (tracks !== undefined) S.alarmTracks = tracks;
		const nf = S.alarmFlash || 0, nt = S.alarmTracks || 0, on = nf + nt > 0;
		window.hotlineCue.alarm = on;
		$('flash-banner').hidden = !on;
		const parts = [];
		if (nf > 0) parts.push(nf + ' FLASH message' + (nf > 1 ? 's' : ''));
		if (nt > 0) parts.push(nt + ' track alert' + (nt > 1 ? 's' : ''));
		$('flash-text').textContent = on ? parts.join(' and ') + ' not acknowledged' : '';
		document.title = on ? '(FLASH) hotline console' : 'hotline console';
		if (on && !S.beepTimer) {
			beep();
			S.beepTimer = setInterval(beep, 2500);
		} else if (!on && S.beepTimer) {
			clearInterval(S.beepTimer);
			S.beepTimer = null;
		}
	}

	// ---- label banners ----
	function levelIndex(name) {
		const i = S.me ? S.me.levels.indexOf(name) : -1;
		return i < 0 ? 3 : i;
	}
	function labelBanner(label, labelText, where) {
		const b = el('div', { class: 'label-banner cls-' + levelIndex(label.classification) + (where ? ' ' + where : '') });
		const main = labelText.replace(/\/\/TLP:.*$/, '');
		b.append(main, el('span', { class: 'tlp tlp-' + label.tlp, text: 'TLP:' + label.tlp }));
		return b;
	}

	// ---- inbox ----
	// pages of INBOX_PAGE; one more is asked for to know there are more
	const INBOX_PAGE = 200;
	const PREC_RANK = { FLASH: 0, IMMEDIATE: 1, PRIORITY: 2, ROUTINE: 3 };
	async function refreshInbox(background) {
		const limit = (S.inboxPages || 1) * INBOX_PAGE;
		const r = await api('GET', '/api/v1/inbox?limit=' + (limit + 1), undefined, background);
		if (r.status !== 200) return;
		S.inboxMore = r.json.items.length > limit;
		S.inbox = r.json.items.slice(0, limit);
		renderInbox();
	}

	function renderInbox() {
		const only = $('inbox-unacked').checked;
		const list = $('inbox-list');
		// precedence first (FLASH on top), then the newest
		const items = S.inbox.filter((m) => !only || !m.acknowledged).sort((a, b) =>
		    (PREC_RANK[a.precedence] ?? 9) - (PREC_RANK[b.precedence] ?? 9) ||
		    Date.parse(b.received) - Date.parse(a.received));
		list.replaceChildren(...items.map(inboxItem));
		if (items.length === 0) list.append(el('p', { class: 'meta', text: 'No messages.' }));
		loadPreviews(items.slice(0, 30));
		const unacked = S.inbox.filter((m) => !m.acknowledged).length;
		// no silent cap: more than one page says so, and offers the next
		$('inbox-count').textContent = unacked > 0 ? String(unacked) + (S.inboxMore ? '+' : '') : '';
		$('inbox-more').hidden = !S.inboxMore;
		$('inbox-more-text').textContent = 'Showing the newest ' + S.inbox.length + ' messages; there are more. ';
		// the page's system-high marking: the highest classification shown
		let high = -1, highName = '';
		for (const m of items) {
			const i = levelIndex(m.label.classification);
			if (i > high) { high = i; highName = m.label.classification; }
		}
		for (const id of ['inbox-high-top', 'inbox-high-bottom']) {
			const b = $(id);
			b.hidden = high < 0;
			b.className = 'system-high label-banner cls-' + Math.max(high, 0);
			b.textContent = high < 0 ? '' : 'SYSTEM HIGH: ' + highName;
		}
		setAlarm(S.inbox.filter((m) => m.precedence === 'FLASH' && !m.acknowledged).length, undefined);
	}

	function inboxItem(m) {
		const acked = !!m.acknowledged;
		return el('article', {
			class: 'msg prec-' + m.precedence + (acked ? '' : ' unacked'),
			dataset: { id: m.id, precedence: m.precedence, classification: m.label.classification },
		},
		labelBanner(m.label, m.label_text, 'top'),
		el('div', { class: 'msg-body' },
		    el('span', { class: 'prec ' + m.precedence, text: m.precedence }),
		    el('div', null,
			el('div', { class: 'msg-title' }, 'From ' + m.origin + ' (' + m.originator + ')',
			    m.exercise ? el('span', { class: 'exercise', text: 'EXERCISE' }) : null),
			el('div', { class: 'preview', dataset: { preview: m.id } }, S.previews[m.id] || ''),
			el('div', { class: 'msg-meta' }, 'received ' + fmtTime(m.received) + ' · ' +
			    m.content_type + ' · id ' + m.id)),
		    el('div', { class: 'msg-actions' },
			m.overdue ? el('span', { class: 'overdue', text: 'OVERDUE' }) : null,
			acked ? el('span', { class: 'acked', text: 'acknowledged by ' + m.acknowledged_by + ' ' + fmtTime(m.acknowledged) }) :
			    el('button', { type: 'button', class: 'primary ack-btn', onclick: () => ack(m.id) }, 'Acknowledge'),
			el('button', { type: 'button', class: 'open-btn', onclick: () => openMsg(m.id) }, 'Open'))),
		labelBanner(m.label, m.label_text, 'bottom'));
	}

	// the first lines of text messages, so the watch reads them at a glance
	async function loadPreviews(items) {
		for (const m of items) {
			if (S.previews[m.id] !== undefined) continue;
			S.previews[m.id] = '';
			if (m.content_type !== 'text') { S.previews[m.id] = '(' + m.content_type + ' content)'; continue; }
			const r = await api('GET', '/api/v1/envelopes/' + m.id, undefined, true);
			if (r.status !== 200) { delete S.previews[m.id]; continue; }
			const t = r.json.text !== undefined ? r.json.text : '(binary content)';
			S.previews[m.id] = t.length > 300 ? t.slice(0, 300) + '…' : t;
			for (const e of document.querySelectorAll('[data-preview="' + m.id + '"]')) e.textContent = S.previews[m.id];
		}
	}

	async function ack(id) {
		const r = await api('POST', '/api/v1/envelopes/' + id + '/ack', {});
		if (r.status !== 200 && r.status !== 409)
			alert((r.json && r.json.message) || 'acknowledgement failed');
		refreshInbox(false);
	}

	async function openMsg(id) {
		const r = await api('GET', '/api/v1/envelopes/' + id);
		if (r.status !== 200) return;
		const m = r.json;
		$('reader-label-top').replaceWith(Object.assign(labelBanner(m.label, m.label_text, 'top'), { id: 'reader-label-top' }));
		$('reader-label-bottom').replaceWith(Object.assign(labelBanner(m.label, m.label_text, 'bottom'), { id: 'reader-label-bottom' }));
		$('reader-head').textContent = m.precedence + ' · from ' + m.origin + ' (' + m.originator + ') · ' +
		    (m.direction === 'in' ? 'received ' + fmtTime(m.received) : 'sent ' + fmtTime(m.sent)) +
		    ' · signature ' + m.signature + ' (' + (m.signature_suite || 'unknown suite') + ')' +
		    ' · key wrap ' + m.suite;
		$('reader-body').textContent = m.text !== undefined ? m.text : '(' + m.content_type + ' content, ' + m.size + ' bytes)';
		const f = $('reader-file');
		f.replaceChildren();
		if (m.content_b64 !== undefined) {
			const bytes = Uint8Array.from(atob(m.content_b64), (c) => c.charCodeAt(0));
			const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
			f.append(el('p', { class: 'actions' }, el('a', { href: url, download: m.id + '.bin', text: 'Save the content' })));
		}
		$('reader').hidden = false;
	}

	// ---- compose ----
	function buildRelChecks() {
		const codes = [...new Set([S.me.nationality, ...S.partners])].sort();
		// the node's releasability groups first (the node expands them)
		const groups = Object.keys(S.me.groups || {}).sort();
		const box = $('c-rel');
		box.replaceChildren(...groups.map((g) => el('label', { class: 'rel-group', title: S.me.groups[g].join(', ') },
		    el('input', { type: 'checkbox', value: g, onchange: labelCheck }), g)),
		    ...codes.map((c) => el('label', null,
		    el('input', { type: 'checkbox', value: c, checked: c === S.me.nationality, onchange: labelCheck }), c)));
	}

	function composeLabel() {
		return {
			classification: $('c-classification').value,
			releasable_to: [...$('c-rel').querySelectorAll('input:checked')].map((i) => i.value),
			tlp: $('c-tlp').value,
		};
	}

	function showRefusal(lines) {
		const box = $('c-refusal');
		box.replaceChildren(...lines.map((l) => el('div', { text: l })));
		box.hidden = lines.length === 0;
	}

	async function labelCheck() {
		const seq = ++S.labelSeq;
		const label = composeLabel();
		const prev = new Set([...$('c-recipients').querySelectorAll('input:checked')].map((i) => i.value));
		if (label.releasable_to.length === 0) {
			$('c-recipients').replaceChildren(el('span', { class: 'meta', text: 'choose at least one releasable-to partner' }));
			showRefusal(['releasable-to must name at least one partner']);
			$('c-send').disabled = true;
			return;
		}
		const r = await api('POST', '/api/v1/label/check', label, true);
		if (seq !== S.labelSeq) return;
		if (r.status !== 200) {
			showRefusal([(r.json && r.json.message) || 'label check failed']);
			$('c-send').disabled = true;
			return;
		}
		const res = r.json;
		$('c-label-preview').replaceWith(Object.assign(
		    labelBanner({ classification: label.classification, tlp: label.tlp.toUpperCase() }, res.label_text), { id: 'c-label-preview' }));
		S.allowed = {};
		const lines = [];
		if (!res.sender_allowed) lines.push('You cannot send this: ' + res.sender_reason);
		const kids = res.recipients.map((p) => {
			S.allowed[p.node] = p.allowed;
			if (!p.allowed && prev.has(p.node)) lines.push('Refused: ' + p.reason);
			return el('label', { class: p.allowed ? 'allowed' : 'refused', title: p.reason || '' },
			    el('input', { type: 'checkbox', value: p.node, disabled: !p.allowed, checked: p.allowed && prev.has(p.node),
				onchange: updateSendable }),
			    p.node, p.allowed ? null : el('span', { class: 'why', text: ' — ' + p.reason }));
		});
		$('c-recipients').replaceChildren(...kids);
		if (kids.length === 0) $('c-recipients').append(el('span', { class: 'meta', text: 'no partner links configured' }));
		if (res.recipients.every((p) => !p.allowed))
			lines.push('No partner may receive this label: ' + res.recipients.map((p) => p.reason).join('; '));
		showRefusal(lines);
		S.senderAllowed = res.sender_allowed;
		updateSendable();
	}

	function updateSendable() {
		const n = $('c-recipients').querySelectorAll('input:checked').length;
		$('c-send').disabled = !S.senderAllowed || n === 0;
	}

	function fileB64(file) {
		return new Promise((resolve, reject) => {
			const fr = new FileReader();
			fr.onload = () => resolve(String(fr.result).replace(/^data:[^,]*,/, ''));
			fr.onerror = () => reject(fr.error);
			fr.readAsDataURL(file);
		});
	}

	async function send(ev) {
		ev.preventDefault();
		const label = composeLabel();
		const to = [...$('c-recipients').querySelectorAll('input:checked')].map((i) => i.value);
		const body = {
			to, precedence: $('c-precedence').value, classification: label.classification,
			releasable_to: label.releasable_to, tlp: label.tlp, exercise: $('c-exercise').checked,
		};
		const file = $('c-file').files[0];
		if (file) {
			body.content_type = 'file';
			body.content_b64 = await fileB64(file);
		} else {
			body.text = $('c-text').value;
			if (body.text === '') { showRefusal(['Write a message or attach a file.']); return; }
		}
		$('c-send').disabled = true;
		$('c-result').className = 'result';
		$('c-result').textContent = 'sending…';
		const r = await api('POST', '/api/v1/envelopes', body);
		updateSendable();
		if (r.status === 201) {
			$('c-result').className = 'result ok';
			$('c-result').textContent = 'sent: ' + r.json.id;
			$('c-text').value = '';
			$('c-file').value = '';
			showRefusal([]);
			refreshSent(true);
		} else {
			$('c-result').className = 'result bad';
			$('c-result').textContent = 'not sent';
			showRefusal([(r.json && r.json.message) || ('refused (HTTP ' + r.status + ')')]);
		}
	}

	// ---- sent tracker ----
	async function refreshSent(background) {
		const r = await api('GET', '/api/v1/sent?limit=50', undefined, background);
		if (r.status !== 200) return;
		const dl = await Promise.all(r.json.items.map((m) =>
		    api('GET', '/api/v1/envelopes/' + m.id + '/delivery', undefined, true)));
		const list = $('sent-list');
		list.replaceChildren(...r.json.items.map((m, i) => sentItem(m, dl[i].status === 200 ? dl[i].json.recipients : [])));
		if (r.json.items.length === 0) list.append(el('p', { class: 'meta', text: 'Nothing sent yet.' }));
	}

	function sentItem(m, recips) {
		const rows = recips.map((d) => {
			const st = d.overdue && d.state === 'delivered' ? 'overdue' : d.state;
			return el('tr', { dataset: { node: d.node, state: st } },
			    el('td', { text: d.node }),
			    el('td', null, el('span', { class: 'state ' + st, text: st })),
			    el('td', { text: fmtTime(d.queued) }),
			    el('td', { text: fmtTime(d.delivered) }),
			    el('td', { text: d.acknowledged ? fmtTime(d.acknowledged) + ' by ' + d.acknowledged_by : '—' }),
			    el('td', { text: d.rejected ? fmtTime(d.rejected) + ' (' + d.reason + (d.detail ? ': ' + d.detail : '') + ')' : '—' }));
		});
		return el('article', { class: 'msg prec-' + m.precedence, dataset: { id: m.id } },
		    labelBanner(m.label, m.label_text, 'top'),
		    el('div', { class: 'msg-body' },
			el('span', { class: 'prec ' + m.precedence, text: m.precedence }),
			el('div', null, el('div', { class: 'msg-title', text: 'Sent ' + fmtTime(m.sent) + ' by ' + m.originator }),
			    el('div', { class: 'msg-meta', text: m.content_type + ' · id ' + m.id })),
			el('div', { class: 'msg-actions' }, el('button', { type: 'button', onclick: () => openMsg(m.id) }, 'Open'))),
		    el('table', { class: 'dlv' },
			el('thead', null, el('tr', null, ...['Recipient', 'State', 'Queued', 'Delivered', 'Acknowledged', 'Rejected'].map((h) => el('th', { text: h })))),
			el('tbody', null, ...rows)),
		    labelBanner(m.label, m.label_text, 'bottom'));
	}

	// ---- link board ----
	async function refreshStatus(background) {
		const r = await api('GET', '/api/v1/status', undefined, background);
		if (r.status !== 200) return;
		S.peers = r.json.peers;
		S.partners = [...new Set(r.json.peers.map((p) => p.partner))];
		const tb = $('links-table').tBodies[0];
		tb.replaceChildren(...r.json.peers.map((p) => {
			const q = p.queue_by_precedence || {};
			const t = p.link_test || {};
			return el('tr', { dataset: { node: p.node, link: p.link } },
			    el('td', { text: p.node }),
			    el('td', null, el('span', { class: p.link === 'up' ? 'up' : 'down', text: p.link.toUpperCase() }),
				p.last_error && p.link !== 'up' ? el('div', { class: 'meta', text: p.last_error }) : null),
			    el('td', { text: p.rtt_ms !== null ? p.rtt_ms.toFixed(2) + ' ms' : '—' }),
			    el('td', { text: p.last_heartbeat ? fmtTime(p.last_heartbeat) + ' (' + ago(p.last_heartbeat) + ')' : '—' }),
			    el('td', { text: fmtTime(p.up_since) }),
			    el('td', { text: t.last_sent ? t.result + ' · sent ' + fmtTime(t.last_sent) +
				(t.round_trip_ms !== null ? ' · ' + t.round_trip_ms + ' ms' : '') : 'none yet' }),
			    el('td', { class: 'mono', text: [q.FLASH, q.IMMEDIATE, q.PRIORITY, q.ROUTINE].map((x) => x === undefined ? '?' : x).join(' / ') +
				'  (total ' + p.queue_depth + ')' }),
			    el('td', { class: p.witness && p.witness.fork ? 'down' : '', text: p.witness ? p.witness.state : '—' }));
		}));
		$('links-meta').textContent = r.json.node + ' · ' + r.json.version + ' · suite ' + r.json.suite +
		    ' · started ' + fmtTime(r.json.started) + ' · now ' + fmtTime(r.json.now);
	}

	// ---- tracks ----
	async function refreshTracks(background) {
		const r = await api('GET', '/api/v1/tracks?limit=5000', undefined, background);
		const tb = $('tracks-table').tBodies[0];
		if (r.status === 404) { $('tracks-empty').textContent = 'The tracks feature is not available on this node.'; return; }
		if (r.status !== 200) return;
		if (window.hotlineMap) {
			if (!S.mapReady) { window.hotlineMap.init($('track-map')); S.mapReady = true; }
			window.hotlineMap.update(r.json.items);
			// the trail of a track this page sees for the first time: its
			// history (a few tracks a refresh, so 2,000 new ones do not
			// mean 2,000 requests at once)
			for (const t of window.hotlineMap.needTrails(20)) {
				api('GET', '/api/v1/tracks?limit=20&history=' + encodeURIComponent(t.track_id), undefined, true)
				    .then((h) => {
					if (h.status !== 200) return;
					window.hotlineMap.seedTrail(t.key, h.json.items.filter((x) =>
					    x.origin === t.origin && !!x.exercise === t.exercise));
				});
			}
		}
		tb.replaceChildren(...r.json.items.map((t) => {
			const rec = t.record || t;
			const pos = rec.position || {};
			const imp = t.impact_area || rec.impact_area;
			const tr = el('tr', { class: t.exercise ? 'exercise' : null, dataset: { track: rec.track_id || t.track_id || '' } },
			    el('td', { class: 'mono' }, rec.track_id || t.track_id || '?',
			        t.exercise ? el('span', { class: 'exercise-tag', text: ' EXERCISE' }) : ''),
			    el('td', { text: t.origin || '' }),
			    el('td', { class: 'mono', text: fmtTimeMs(rec.observed || t.observed) }),
			    el('td', { class: 'mono', text: pos.lat !== undefined ? pos.lat.toFixed(3) + ', ' + pos.lon.toFixed(3) + (pos.alt_m != null ? ' · ' + pos.alt_m + ' m' : '') : '—' }),
			    el('td', { text: rec.velocity ? rec.velocity.speed_mps + ' m/s · ' + rec.velocity.heading_deg + '°' : '—' }),
			    el('td', { text: imp ? imp.lat + ', ' + imp.lon + ' ±' + imp.radius_km + ' km' : '—' }),
			    el('td', { text: rec.confidence !== undefined ? rec.confidence : '—' }),
			    el('td', null, t.label ? labelBanner(t.label, t.label_text || t.label.classification) : ''));
			return tr;
		}));
		$('tracks-empty').textContent = r.json.items.length === 0 ? 'No live tracks.' : '';
		refreshTrackAlerts(true);
	}

	// the duty officer's track alerts: one per track, open ones first
	async function refreshTrackAlerts(background) {
		const r = await api('GET', '/api/v1/tracks/alerts', undefined, background);
		if (r.status !== 200) return;
		const list = $('track-alerts');
		list.replaceChildren(...r.json.items.map((a) => el('li', {
			class: 'track-alert kind-' + a.kind + (a.acknowledged ? ' acked' : ' open') + (a.exercise ? ' exercise' : ''),
			dataset: { track: a.track_id, origin: a.origin, kind: a.kind },
		},
		    el('span', { class: 'alert-kind', text: a.kind.toUpperCase() }),
		    el('span', { class: 'mono', text: ' ' + a.track_id + (a.exercise ? ' [EXERCISE]' : '') + ' ' }),
		    el('span', { class: 'meta', text: a.origin + ' · ' + fmtTimeMs(a.raised) + ' · ' }),
		    el('span', { text: a.detail }),
		    a.acknowledged ? el('span', { class: 'meta', text: ' · acknowledged by ' + (a.acked_by || '') }) :
		        el('button', { type: 'button', class: 'primary track-ack-btn', onclick: () => ackTrack(a) }, 'Acknowledge'))));
		$('track-alerts-count').textContent = r.json.open === 0 ? 'no open track alerts' :
		    r.json.open + ' open track alert' + (r.json.open === 1 ? '' : 's');
		setAlarm(undefined, r.json.open);
	}

	async function ackTrack(a) {
		const r = await api('POST', '/api/v1/tracks/alerts/ack',
		    { origin: a.origin, track_id: a.track_id, exercise: !!a.exercise });
		if (r.status !== 200 && r.status !== 404) return;
		refreshTrackAlerts(true);
	}

	// ---- threat intelligence ----
	const INTEL_KINDS = {
		ipv4: 'IPv4 address', ipv6: 'IPv6 address', cidr: 'CIDR', domain: 'domain name (and names)',
		url: 'URL', md5: 'MD5 hash', sha1: 'SHA-1 hash', sha256: 'SHA-256 hash', sha512: 'SHA-512 hash',
		email: 'e-mail address', technique: 'technique id', tactic: 'tactic id', id: 'STIX id',
		name: 'name, alias or external id',
	};

	function intelMatched(o) {
		if (!o.field || o.field === 'observable') return o.matched || '';
		return (o.matched || '') + ' (' + (o.exact === false ? 'start of ' : '') + o.field.replace('_', ' ') + ')';
	}

	function intelSightings(s) {
		if (!s || !s.sightings) return '—';
		const by = (s.by || []).map((b) => b.node + ' (' + b.count + ')').join(', ') + (s.more_by ? ', …' : '');
		return s.sightings + ' sighting(s), count ' + s.count + ' by ' + by +
		    (s.first_seen ? '; ' + fmtTime(s.first_seen) + ' – ' + fmtTime(s.last_seen) : '');
	}

	async function intel(ev) {
		ev.preventDefault();
		const v = $('intel-q').value.trim();
		const out = $('intel-result');
		if (!v) return;
		const r = await api('GET', '/api/v1/stix/search?value=' + encodeURIComponent(v));
		if (r.status === 404) {
			out.replaceChildren(el('p', { class: 'meta', text: 'Threat-intelligence search is not available on this node.' }));
			return;
		}
		if (r.status !== 200) {
			out.replaceChildren(el('p', { class: 'error', text: (r.json && r.json.message) || ('search failed (' + r.status + ')') }));
			return;
		}
		const items = r.json.matches || [];
		const what = (INTEL_KINDS[r.json.kind] || 'value') + ' ' + v;
		if (items.length === 0) { out.replaceChildren(el('p', { class: 'meta', id: 'intel-summary', text: 'No matches for ' + what + '.' })); return; }
		out.replaceChildren(el('p', { class: 'meta', id: 'intel-summary', text: items.length + ' object(s) for ' + what }),
		    el('table', { class: 'grid-table', id: 'intel-table' },
		    el('thead', null, el('tr', null, ...['Type', 'Object', 'Matched', 'From', 'Collection', 'Received', 'Sightings'].map((h) => el('th', { text: h })))),
		    el('tbody', null, ...items.map((o) => el('tr', null,
			el('td', { text: o.type || '' }),
			el('td', null, o.name ? el('div', { text: o.name }) : '', el('div', { class: 'mono', text: o.id || '' })),
			el('td', { class: 'mono', text: intelMatched(o) }),
			el('td', { text: o.origin_partner ? (o.origin_partner + ' (' + (o.origin_node || '') + ')') : 'this node' }),
			el('td', { text: o.collection || '' }),
			el('td', { text: o.received ? fmtTime(o.received) : '' }),
			el('td', { class: 'intel-sightings', text: intelSightings(o.sightings) }))))));
	}

	// ---- narratives linked across partners (docs/DETECTION-narratives.md) ----
	function narrEnd(e) {
		return el('td', null, el('div', { text: e.name || '' }),
		    el('div', { class: 'meta', text: (e.origin_partner || '') + ' · ' + (e.type || '') + ' · ' + (e.label || '') }),
		    el('div', { class: 'mono', text: e.id || '' }));
	}

	async function refreshNarratives() {
		const out = $('narr-result');
		const r = await api('GET', '/api/v1/stix/narratives', undefined, true);
		if (r.status !== 200) {
			out.replaceChildren(el('p', { class: 'meta', id: 'narr-summary', text: r.status === 404 ?
			    'Narrative links are not available on this node.' : ((r.json && r.json.message) || ('narratives failed (' + r.status + ')')) }));
			return;
		}
		const pairs = r.json.pairs || [];
		const thr = ' (threshold ' + Number(r.json.threshold).toFixed(2) + ')';
		if (pairs.length === 0) { out.replaceChildren(el('p', { class: 'meta', id: 'narr-summary', text: 'No linked narratives' + thr + '.' })); return; }
		out.replaceChildren(el('p', { class: 'meta', id: 'narr-summary', text: pairs.length + ' linked pair(s)' + thr }),
		    el('table', { class: 'grid-table', id: 'narr-table' },
		    el('thead', null, el('tr', null, ...['Partners', 'Similarity', 'Earlier', 'Newer', 'Link label'].map((h) => el('th', { text: h })))),
		    el('tbody', null, ...pairs.map((p) => el('tr', { 'data-id': p.id },
			el('td', { class: 'narr-partners', text: (p.target.origin_partner || '') + ' and ' + (p.source.origin_partner || '') }),
			el('td', { class: 'narr-sim', text: Number(p.similarity).toFixed(2) }),
			narrEnd(p.target), narrEnd(p.source),
			el('td', { class: 'narr-label', text: p.label || '' }))))));
	}

	// ---- correlations of partners' sightings (docs/DETECTION.md "Correlation") ----
	async function refreshCorrelations() {
		const out = $('corr-result');
		const r = await api('GET', '/api/v1/detect/correlations', undefined, true);
		if (r.status !== 200) {
			out.replaceChildren(el('p', { class: 'meta', id: 'corr-summary', text: (r.json && r.json.message) || ('correlations failed (' + r.status + ')') }));
			return;
		}
		const cs = r.json.correlations || [];
		const win = ' (window ' + r.json.window_s + ' s)';
		if (cs.length === 0) { out.replaceChildren(el('p', { class: 'meta', id: 'corr-summary', text: 'No sightings from partners' + win + '.' })); return; }
		out.replaceChildren(el('p', { class: 'meta', id: 'corr-summary', text: cs.length + ' indicator(s) sighted' + win }),
		    el('table', { class: 'grid-table', id: 'corr-table' },
		    el('thead', null, el('tr', null, ...['Indicator', 'Partners', 'Alert'].map((h) => el('th', { text: h })))),
		    el('tbody', null, ...cs.map((c) => el('tr', { 'data-id': c.indicator },
			el('td', null, el('div', { text: c.name || '' }), el('div', { class: 'mono', text: c.indicator })),
			el('td', { class: 'corr-partners' }, ...c.partners.map((p) => el('div', { 'data-partner': p.partner,
			    text: p.partner + ': ' + p.count + ' (' + p.sightings + ' sighting(s)), ' + p.first_seen + ' – ' + p.last_seen }))),
			el('td', { class: 'corr-alert', text: c.alerted ? ('raised' + (c.alert_id ? ' ' + c.alert_id.slice(0, 12) : '')) : 'not raised' }))))));
	}

	// ---- audit ----
	async function refreshAudit() {
		const r = await api('GET', '/api/v1/audit?limit=100');
		const tb = $('audit-table').tBodies[0];
		if (r.status !== 200) {
			tb.replaceChildren(el('tr', null, el('td', { colspan: 6, text: (r.json && r.json.message) || 'not available' })));
			return;
		}
		tb.replaceChildren(...r.json.items.map((e) => el('tr', { dataset: { event: e.event } },
		    el('td', { text: e.seq }), el('td', { text: fmtTime(e.time) }), el('td', { text: e.event }),
		    el('td', { text: e.actor }), el('td', { class: 'mono', text: e.id ? e.id.slice(0, 12) + '…' : '' }),
		    el('td', { text: e.detail }))));
	}

	async function verifyAudit() {
		const out = $('audit-verify-result');
		out.className = 'result';
		out.textContent = 'verifying…';
		const r = await api('GET', '/api/v1/audit/verify');
		if (r.status !== 200) { out.className = 'result bad'; out.textContent = (r.json && r.json.message) || 'failed'; return; }
		out.className = 'result ' + (r.json.ok ? 'ok' : 'bad');
		out.textContent = (r.json.ok ? 'INTACT: ' : 'BROKEN: ') + r.json.message;
	}

	// ---- views ----
	function show(view) {
		S.view = view;
		for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t.dataset.view === view);
		for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + view;
		if (view === 'inbox') refreshInbox(false);
		if (view === 'sent') refreshSent(false);
		if (view === 'links') refreshStatus(false);
		if (view === 'tracks') refreshTracks(false);
		if (view === 'audit') refreshAudit();
		if (view === 'intel') refreshNarratives();
		if (view === 'corr') refreshCorrelations();
		if (view === 'compose') labelCheck();
	}

	document.addEventListener('DOMContentLoaded', async () => {
		$('login-form').addEventListener('submit', login);
		$('logout').addEventListener('click', logout);
		$('flash-show').addEventListener('click', () => {
			ensureAudio();
			if ((S.alarmFlash || 0) === 0 && (S.alarmTracks || 0) > 0) { show('tracks'); return; }
			$('inbox-unacked').checked = true;
			show('inbox');
		});
		$('inbox-unacked').addEventListener('change', renderInbox);
		$('inbox-more-btn').addEventListener('click', () => { S.inboxPages = (S.inboxPages || 1) + 1; refreshInbox(false); });
		for (const t of document.querySelectorAll('.tab')) t.addEventListener('click', () => show(t.dataset.view));
		for (const id of ['c-classification', 'c-tlp']) $(id).addEventListener('change', labelCheck);
		$('compose-form').addEventListener('submit', send);
		$('intel-form').addEventListener('submit', intel);
		$('narr-refresh').addEventListener('click', refreshNarratives);
		$('corr-refresh').addEventListener('click', refreshCorrelations);
		$('audit-verify').addEventListener('click', verifyAudit);
		$('reader-close').addEventListener('click', () => { $('reader').hidden = true; });
		document.addEventListener('click', ensureAudio);
		const r = await api('GET', '/console/session', undefined, true);
		if (r.status === 200) start(r.json);
		else showLogin('');
	});
})();
