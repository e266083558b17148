// map.js: the track picture as a map, drawn in the page (issue 15). No
// tile server and no library: the coastlines and borders are Natural
// Earth's (web/world-110m.json, TopoJSON; see web/SOURCE.md), decoded
// here and drawn as SVG in an equirectangular projection (x = longitude,
// y = -latitude, in degrees), zoomed to the tracks.
//
// window.hotlineMap.init(svg) once; update(items, now) with the items of
// GET /api/v1/tracks: each track a symbol pointing along its heading,
// coloured by classification, EXERCISE dashed and marked, stale ones grey
// with their age, a trail of the positions this page has seen, and the
// impact area as an ellipse of its radius. Elements are kept per track and
// moved, not rebuilt, so that 2,000 tracks a second stay smooth.
'use strict';

(function () {
	const NS = 'http://www.w3.org/2000/svg';
	const TRAIL_MAX = 20;          // positions kept per track
	const STALE_MS = 30000;        // greyed after this long without an update (track_stale's default)
	const M = { svg: null, land: null, tracks: null, byKey: new Map(), view: null };

	function mk(tag, attrs) {
		const e = document.createElementNS(NS, tag);
		for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
		return e;
	}

	// TopoJSON: arcs are delta-encoded, quantized integers; a negative arc
	// index ~i means arc i reversed
	function decodeArcs(topo) {
		const [sx, sy] = topo.transform.scale, [tx, ty] = topo.transform.translate;
		return topo.arcs.map((arc) => {
			let x = 0, y = 0;
			return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
		});
	}

	function ringPath(arcs, ring) {
		let d = '';
		ring.forEach((i, n) => {
			const pts = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
			pts.forEach(([lon, lat], k) => {
				if (n > 0 && k === 0) return;   // shared with the previous arc's end
				d += (n === 0 && k === 0 ? 'M' : 'L') + lon.toFixed(3) + ',' + (-lat).toFixed(3);
			});
		});
		return d + 'Z';
	}

	function geometryPath(arcs, g) {
		if (g.type === 'Polygon') return g.arcs.map((r) => ringPath(arcs, r)).join('');
		if (g.type === 'MultiPolygon') return g.arcs.map((p) => p.map((r) => ringPath(arcs, r)).join('')).join('');
		return '';
	}

	async function loadLand() {
		try {
			const r = await fetch('/console/world-110m.json', { credentials: 'same-origin' });
			if (!r.ok) return;
			const topo = await r.json();
			const arcs = decodeArcs(topo);
			M.land.setAttribute('d', topo.objects.countries.geometries.map((g) => geometryPath(arcs, g)).join(''));
		} catch (e) {
			// no map data: the tracks are drawn on a plain background
		}
	}

	function init(svg) {
		M.svg = svg;
		svg.setAttribute('viewBox', '-180 -90 360 180');
		svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
		svg.replaceChildren();
		svg.appendChild(mk('rect', { x: -180, y: -90, width: 360, height: 180, class: 'map-sea' }));
		M.land = mk('path', { class: 'map-land', 'vector-effect': 'non-scaling-stroke' });
		svg.appendChild(M.land);
		M.tracks = mk('g', { class: 'map-tracks' });
		svg.appendChild(M.tracks);
		M.byKey.clear();
		loadLand();
	}

	// zoom to the tracks (at least 12 degrees across), keeping the aspect
	function fit(items) {
		let x0 = 180, x1 = -180, y0 = 90, y1 = -90;
		for (const t of items) {
			const p = t.position;
			if (!p) continue;
			x0 = Math.min(x0, p.lon); x1 = Math.max(x1, p.lon);
			y0 = Math.min(y0, p.lat); y1 = Math.max(y1, p.lat);
		}
		if (x0 > x1) return { x: -180, y: -90, w: 360, h: 180 };
		let w = Math.max(12, (x1 - x0) * 1.4), h = Math.max(8, (y1 - y0) * 1.4);
		const cx = (x0 + x1) / 2, cy = -(y0 + y1) / 2;
		if (w / h > 2) h = w / 2; else w = h * 2;
		return { x: cx - w / 2, y: cy - h / 2, w, h };
	}

	function classOf(label) {
		const c = (label && label.classification || '').toUpperCase().replace(/[^A-Z]/g, '');
		return 'cls-' + (c || 'NONE');
	}

	// held (hotlineMap.hold = true): the page's own refreshes leave the
	// picture alone, and only update(items, now, true) draws (the browser
	// test measures the renderer with tracks of its own this way)
	function update(items, now, force) {
		if (!M.svg || (window.hotlineMap.hold && !force)) return;
		now = now || Date.now();
		const v = fit(items);
		M.view = v;
		M.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
		const s = v.w / 90;             // symbol size, in degrees: about 1/90 of the view
		const seen = new Set();
		for (const t of items) {
			const p = t.position;
			if (!p) continue;
			const key = t.origin + '|' + t.track_id + '|' + (t.exercise ? 1 : 0);
			seen.add(key);
			let e = M.byKey.get(key);
			if (!e) {
				e = { g: mk('g', {}), trail: mk('polyline', { class: 'map-trail', 'vector-effect': 'non-scaling-stroke' }),
				    imp: mk('ellipse', { class: 'map-impact', 'vector-effect': 'non-scaling-stroke' }),
				    sym: mk('path', { d: 'M0,-1.2L0.7,0.9L0,0.4L-0.7,0.9Z', 'vector-effect': 'non-scaling-stroke' }),
				    text: mk('text', { class: 'map-label' }), pts: [], last: '' };
				e.g.dataset.track = t.track_id;
				e.g.append(e.trail, e.imp, e.sym, e.text);
				M.tracks.appendChild(e.g);
				M.byKey.set(key, e);
			}
			if (t.observed !== e.last) {
				e.pts.push([p.lon, -p.lat]);
				if (e.pts.length > TRAIL_MAX) e.pts.shift();
				e.last = t.observed;
			}
			const age = t.received ? now - Date.parse(t.received) : 0;
			const stale = age > STALE_MS;
			e.g.setAttribute('class', 'map-track ' + classOf(t.label) + (t.exercise ? ' exercise' : '') +
			    (stale ? ' stale' : ''));
			e.trail.setAttribute('points', e.pts.map((q) => q[0].toFixed(4) + ',' + q[1].toFixed(4)).join(' '));
			const hdg = t.velocity ? t.velocity.heading_deg : 0;
			e.sym.setAttribute('transform', `translate(${p.lon},${-p.lat}) rotate(${hdg}) scale(${s})`);
			const ia = t.impact_area;
			if (ia) {
				e.imp.setAttribute('cx', ia.lon);
				e.imp.setAttribute('cy', -ia.lat);
				e.imp.setAttribute('rx', ia.radius_km / (111.32 * Math.max(0.01, Math.cos(ia.lat * Math.PI / 180))));
				e.imp.setAttribute('ry', ia.radius_km / 110.57);
				e.imp.removeAttribute('display');
			} else {
				e.imp.setAttribute('display', 'none');
			}
			e.text.setAttribute('x', p.lon + s * 1.5);
			e.text.setAttribute('y', -p.lat + s * 0.5);
			e.text.setAttribute('font-size', s * 1.6);
			e.text.textContent = t.track_id + (t.exercise ? ' EX' : '') + (stale ? ` (stale ${Math.round(age / 1000)} s)` : '');
		}
		for (const [key, e] of M.byKey) {
			if (!seen.has(key)) { e.g.remove(); M.byKey.delete(key); }
		}
	}

	// tracks drawn with fewer than two trail points (seen once by this
	// page): their ids, for the caller to fetch their history (at most max)
	function needTrails(max) {
		const out = [];
		for (const [key, e] of M.byKey) {
			if (e.pts.length < 2 && !e.seeded && out.length < max) {
				e.seeded = true;
				const [origin, id, ex] = key.split('|');
				out.push({ key, origin, track_id: id, exercise: ex === '1' });
			}
		}
		return out;
	}

	// the trail from a track's history (newest first, as the API lists it)
	function seedTrail(key, history) {
		const e = M.byKey.get(key);
		if (!e) return;
		const pts = history.filter((h) => h.position).slice(0, TRAIL_MAX).reverse()
		    .map((h) => [h.position.lon, -h.position.lat]);
		if (pts.length > e.pts.length) {
			e.pts = pts;
			e.trail.setAttribute('points', pts.map((q) => q[0].toFixed(4) + ',' + q[1].toFixed(4)).join(' '));
		}
	}

	window.hotlineMap = { init, update, needTrails, seedTrail, count: () => M.byKey.size, hold: false };
})();
