// cot_peer.mjs: a TAK peer for tests/integration/37-cot.sh. It reads the
// CoT stream a hotline [tak] output sends, cuts it into events, and gives
// each to the TAK project's own parser (@tak-ps/node-cot, which checks the
// event against its schema). One JSON line per event goes to OUT: what
// the parser read, or {"error": ...} when it refused the event.
//
//   node cot_peer.mjs client HOST PORT OUT
//       connect to a local port (plain TCP)
//   node cot_peer.mjs server PORT CA CERT KEY OUT
//       a TAK server: TLS, a client certificate signed by CA required;
//       writes {"client": subject CN} when one connects
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { CoTParser } from '@tak-ps/node-cot';

const MAX_PENDING = 1 << 20;   // bytes of one unfinished event

function emit(out, obj) {
    fs.appendFileSync(out, JSON.stringify(obj) + '\n');
}

function attrs(node) {
    return node && node._attributes ? node._attributes : {};
}

function text(node) {
    return node && typeof node._text === 'string' ? node._text : null;
}

function parseOne(out, xml) {
    try {
        const cot = CoTParser.from_xml(xml);
        const ev = cot.raw.event;
        const d = ev.detail || {};
        const shape = d.shape && d.shape.ellipse ? attrs(d.shape.ellipse) : null;
        emit(out, {
            ...attrs(ev),
            point: attrs(ev.point),
            callsign: attrs(d.contact).callsign ?? null,
            track: d.track ? attrs(d.track) : null,
            remarks: text(d.remarks),
            hotline: d.__hotline ? attrs(d.__hotline) : null,
            ellipse: shape,
        });
    } catch (e) {
        emit(out, { error: String(e && e.message ? e.message : e), xml: xml.slice(0, 300) });
    }
}

function reader(out) {
    let pending = '';
    return (chunk) => {
        pending += chunk.toString('utf8');
        let end;
        while ((end = pending.indexOf('</event>')) >= 0) {
            const xml = pending.slice(0, end + 8).trim();
            pending = pending.slice(end + 8);
            parseOne(out, xml);
        }
        if (pending.length > MAX_PENDING) {
            emit(out, { error: 'an event longer than 1 MiB' });
            pending = '';
        }
    };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'client' && args.length === 3) {
    const [host, port, out] = args;
    const s = net.connect(Number(port), host);
    s.on('data', reader(out));
    s.on('error', (e) => { emit(out, { error: 'connection: ' + e.message }); process.exit(1); });
    s.on('close', () => process.exit(0));
} else if (mode === 'server' && args.length === 5) {
    const [port, ca, cert, key, out] = args;
    const srv = tls.createServer({
        ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key),
        requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2',
    }, (s) => {
        const peer = s.getPeerCertificate();
        emit(out, { client: peer && peer.subject ? peer.subject.CN : null });
        s.on('data', reader(out));
        s.on('error', () => {});
    });
    srv.on('tlsClientError', (e) => emit(out, { refused: e.message }));
    srv.listen(Number(port), '127.0.0.1', () => fs.writeFileSync(out + '.ready', 'ready\n'));
} else {
    console.error('usage: cot_peer.mjs client HOST PORT OUT | server PORT CA CERT KEY OUT');
    process.exit(2);
}
