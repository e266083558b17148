#!/usr/bin/python3
"""taxii_fixture.py: a small TAXII 2.1 server for the poll bridge's tests.

It pages the way the OASIS reference server (medallion, memory backend)
does, which is what broke the poll bridge (tests/integration/64-taxii-pull.sh):

  - a page holds at most --max-page-size objects (medallion: 100), whatever
    limit the client asks for;
  - every object of one POST gets the same date_added (the time of the POST),
    so objects sharing a date_added span pages;
  - objects are served in date_added order, the newest version of each id
    unless match[version] says otherwise;
  - a page with more behind it carries "more": true and a "next" token; the
    token stands for the rest of the answer as it was when the first page
    was asked for, and is the same token for every page of that sequence;
  - a request with next whose other parameters (except limit) differ from the
    first request's is refused with 400 "params changed over subsequent
    transaction"; an unknown token with 400 "'next' not valid";
  - an empty answer is {} without headers; a page carries
    X-TAXII-Date-Added-First and X-TAXII-Date-Added-Last.

Each collection has a mode, set with --collection NAME:MODE or at run time
(POST /fixture/NAME/control {"mode": M, "delay_ms": N, "max_page_size": N}):

  medallion               as above (the default)
  rejects-changed-params  stricter: limit must not change either, and every
                          page gives a new token (the one before is dropped)
  ignores-next            a request with next is answered as if next were
                          absent (the first page again, with a new token)
  more-without-next       "more": true but never a "next"
  loops-next              a request with next gets the page that issued the
                          token again, with the same token, forever
  broken-json             a request with next gets a truncated JSON body
  expires-next            a token serves two follow-up pages, then is
                          refused with 400 "'next' not valid"

GET /fixture/NAME/log gives the objects requests the collection answered
(query, args, status, objects, first and last date_added); POST
/fixture/NAME/log clears it.

Commands:
  serve --cert C --key K --port-file F [--port N] [--user U --password-file P]
        [--collection NAME[:MODE]]... [--max-page-size N]
  generate COUNT                    a bundle of COUNT valid STIX 2.1 objects on stdout
  post OBJECTS_URL CA USER PASSWORD_FILE FILE SIZES
        POST FILE's objects in batches (SIZES: comma list, used in turn; each
        POST is one date_added); prints {"posts","objects","success","failure"}

Python 3 standard library only. Written for hotline's tests; it is not a
TAXII server to deploy.
"""
import argparse
import base64
import datetime
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

MEDIA = "application/taxii+json;version=2.1"
NS = uuid.UUID("6a1f0c5e-2b7d-4e83-9a41-0d5c7b3e9f21")
MODES = ("medallion", "rejects-changed-params", "ignores-next", "more-without-next",
         "loops-next", "broken-json", "expires-next")
BODY_MAX = 64 * 1024 * 1024
EXPIRES_AFTER = 2          # follow-up pages an expires-next token serves

LOCK = threading.Lock()
_last_us = [0]


def now_us():
    """A strictly increasing microsecond clock (one date_added per POST)."""
    t = time.time_ns() // 1000
    if t <= _last_us[0]:
        t = _last_us[0] + 1
    _last_us[0] = t
    return t


def fmt_us(us):
    d = datetime.datetime.fromtimestamp(us // 1000000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % 1000000)


def parse_time(s):
    """RFC 3339 in UTC ("Z", 0..9 fractional digits) to microseconds; None if not."""
    if not isinstance(s, str) or len(s) < 20 or not s.endswith("Z"):
        return None
    try:
        base = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    frac = s[19:-1]
    if frac:
        if frac[0] != "." or not frac[1:].isdigit() or len(frac) > 10:
            return None
        us = int((frac[1:] + "000000")[:6])
    else:
        us = 0
    base = base.replace(tzinfo=datetime.timezone.utc)
    return int(base.timestamp()) * 1000000 + us


def version_of(obj):
    return obj.get("modified", obj.get("created", ""))


class Collection:
    def __init__(self, name, mode):
        self.name = name
        self.id = str(uuid.uuid5(NS, name))
        self.mode = mode
        self.delay_ms = 0
        self.max_page = None          # None: the server's
        self.entries = []             # {"us", "date_added", "id", "version", "obj"}, in date_added order
        self.keys = set()             # (id, version)
        self.sessions = {}            # token -> {"args", "rest", "page", "served"}
        self.log = []

    def add(self, objects):
        """One POST: every object gets the same date_added. OUT: a status."""
        us = now_us()
        da = fmt_us(us)
        ok, bad = [], []
        for o in objects:
            if not isinstance(o, dict) or not isinstance(o.get("id"), str) or \
                    not isinstance(o.get("type"), str):
                bad.append({"id": str(o.get("id", "")) if isinstance(o, dict) else "",
                            "message": "not an object with type and id"})
                continue
            k = (o["id"], version_of(o))
            if k in self.keys:
                bad.append({"id": o["id"], "version": k[1],
                            "message": "Unable to process object: already in the collection"})
                continue
            self.keys.add(k)
            self.entries.append({"us": us, "date_added": da, "id": o["id"],
                                 "version": k[1], "obj": o})
            ok.append({"id": o["id"], "version": k[1]})
        return {"id": str(uuid.uuid4()), "status": "complete", "request_timestamp": da,
                "total_count": len(ok) + len(bad), "success_count": len(ok),
                "failure_count": len(bad), "pending_count": 0, "successes": ok,
                "failures": bad, "pendings": []}

    def select(self, args):
        """The answer to a query without next, in date_added order; or (code, text)."""
        after = None
        if "added_after" in args:
            after = parse_time(args["added_after"])
            if after is None:
                return (400, "added_after is not an RFC 3339 time")
        types = args["match[type]"].split(",") if "match[type]" in args else None
        ids = args["match[id]"].split(",") if "match[id]" in args else None
        want = args.get("match[version]", "last").split(",")
        rows = [e for e in self.entries
                if (after is None or e["us"] > after) and
                (types is None or e["obj"]["type"] in types) and
                (ids is None or e["id"] in ids)]
        if "all" in want:
            return rows
        newest, oldest = {}, {}
        for e in rows:
            if e["id"] not in newest or e["version"] > newest[e["id"]]["version"]:
                newest[e["id"]] = e
            if e["id"] not in oldest or e["version"] < oldest[e["id"]]["version"]:
                oldest[e["id"]] = e
        keep = set()
        if "last" in want:
            keep.update(id(e) for e in newest.values())
        if "first" in want:
            keep.update(id(e) for e in oldest.values())
        stamps = [w for w in want if w not in ("first", "last")]
        for e in rows:
            if e["version"] in stamps:
                keep.add(id(e))
        return [e for e in rows if id(e) in keep]


def session_args(args, with_limit):
    """What must stay the same over a page sequence (comma lists sorted)."""
    out = {}
    for k, v in args.items():
        if k == "next" or (k == "limit" and not with_limit):
            continue
        out[k] = sorted(v.split(","))
    return out


class Server:
    def __init__(self, user, password, max_page):
        self.user, self.password, self.max_page = user, password, max_page
        self.colls = {}

    def coll(self, key):
        for c in self.colls.values():
            if key in (c.id, c.name):
                return c
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "taxii-fixture/1"
    srv = None

    def log_message(self, fmt, *a):   # quiet: the test reads the request log instead
        pass

    # ---- replies ----
    def reply(self, code, body, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", MEDIA)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, title, desc=""):
        self.reply(code, {"title": title, "description": desc, "http_status": str(code)})

    def authorized(self):
        want = "Basic " + base64.b64encode(
            (self.srv.user + ":" + self.srv.password).encode()).decode()
        if self.headers.get("Authorization", "") == want:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="taxii-fixture"')
        self.send_header("Content-Type", MEDIA)
        body = json.dumps({"title": "Unauthorized", "http_status": "401"}).encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    def body_json(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        if n < 0 or n > BODY_MAX:
            return None
        try:
            return json.loads(self.rfile.read(n) or b"null")
        except ValueError:
            return None

    # ---- routes ----
    def route(self):
        u = urllib.parse.urlsplit(self.path)
        parts = [p for p in u.path.split("/") if p]
        return u, parts

    def do_GET(self):
        if not self.authorized():
            return
        u, parts = self.route()
        host = self.headers.get("Host", "localhost")
        with LOCK:
            if parts == ["taxii2"]:
                return self.reply(200, {"title": "taxii fixture", "default":
                                        "https://%s/api1/" % host,
                                        "api_roots": ["https://%s/api1/" % host]})
            if parts == ["api1"]:
                return self.reply(200, {"title": "api1", "versions": [MEDIA],
                                        "max_content_length": BODY_MAX})
            if parts == ["api1", "collections"]:
                return self.reply(200, {"collections": [self.coll_info(c) for c in
                                                        self.srv.colls.values()]})
            if len(parts) == 3 and parts[:2] == ["api1", "collections"]:
                c = self.srv.coll(parts[2])
                return self.reply(200, self.coll_info(c)) if c else \
                    self.error(404, "Collection not found")
            if len(parts) == 3 and parts[0] == "fixture" and parts[2] == "log":
                c = self.srv.coll(parts[1])
                return self.reply(200, {"requests": c.log}) if c else \
                    self.error(404, "Collection not found")
            if len(parts) == 4 and parts[:2] == ["api1", "collections"] and \
                    parts[3] == "objects":
                c = self.srv.coll(parts[2])
                if c is None:
                    return self.error(404, "Collection not found")
                delay = c.delay_ms
            else:
                return self.error(404, "Not found", u.path)
        if delay:
            time.sleep(delay / 1000.0)
        with LOCK:
            self.get_objects(c, u.query)

    def coll_info(self, c):
        return {"id": c.id, "title": c.name, "can_read": True, "can_write": True,
                "media_types": ["application/stix+json;version=2.1"]}

    def get_objects(self, c, query):
        args = {}
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            args.setdefault(k, v)
        entry = {"query": query, "args": args}
        c.log.append(entry)
        code, page, more, token, raw = self.objects_answer(c, args)
        entry["status"] = code
        if code != 200:
            # medallion's error body: the exception's class, then its text
            return self.error(code, "ProcessingError", "The server did not understand the "
                              "request or filter parameters: " + page)
        entry["objects"] = len(page)
        headers = {}
        if page:
            headers["X-TAXII-Date-Added-First"] = entry["first"] = page[0]["date_added"]
            headers["X-TAXII-Date-Added-Last"] = entry["last"] = page[-1]["date_added"]
        body = {}
        if page:
            body["objects"] = [e["obj"] for e in page]
            body["more"] = more
            if more and token is not None and c.mode != "more-without-next":
                body["next"] = token
        if raw:
            data = json.dumps(body).encode()
            return self.reply(200, None, headers, raw=data[:len(data) // 2])
        self.reply(200, body, headers)

    def objects_answer(self, c, args):
        """(code, page or error text, more, token, broken)."""
        page_max = c.max_page or self.srv.max_page
        try:
            limit = int(args.get("limit", page_max))
        except ValueError:
            return 400, "limit is not a number", False, None, False
        if limit <= 0:
            return 400, "The limit parameter cannot be negative or zero", False, None, False
        limit = min(limit, page_max)
        strict = c.mode == "rejects-changed-params"
        tok = args.get("next")
        if tok is not None and c.mode == "ignores-next":
            tok = None
        if tok is None:
            rows = c.select(args)
            if isinstance(rows, tuple):
                return rows[0], rows[1], False, None, False
            page, rest = rows[:limit], rows[limit:]
            token = None
            if rest:
                token = str(uuid.uuid4())
                c.sessions[token] = {"args": session_args(args, strict), "rest": rest,
                                     "page": page, "served": 0}
            return 200, page, bool(rest), token, False
        s = c.sessions.get(tok)
        if s is None or c.mode == "more-without-next":
            return 400, "'next' not valid", False, None, False
        if session_args(args, strict) != s["args"]:
            return 400, "params changed over subsequent transaction", False, None, False
        if c.mode == "loops-next":
            return 200, s["page"], True, tok, False
        if c.mode == "broken-json":
            return 200, s["rest"][:limit], True, tok, True
        if c.mode == "expires-next" and s["served"] >= EXPIRES_AFTER:
            del c.sessions[tok]
            return 400, "'next' not valid", False, None, False
        page, s["rest"] = s["rest"][:limit], s["rest"][limit:]
        s["page"] = page
        s["served"] += 1
        more = bool(s["rest"])
        if not more:
            del c.sessions[tok]
            return 200, page, False, None, False
        if strict:
            del c.sessions[tok]
            tok = str(uuid.uuid4())
            c.sessions[tok] = s
        return 200, page, True, tok, False

    def do_POST(self):
        if not self.authorized():
            return
        u, parts = self.route()
        body = self.body_json()
        with LOCK:
            if len(parts) == 3 and parts[0] == "fixture" and parts[2] in ("control", "log"):
                c = self.srv.coll(parts[1])
                if c is None:
                    return self.error(404, "Collection not found")
                if parts[2] == "log":
                    c.log = []
                    return self.reply(200, {"cleared": True})
                if not isinstance(body, dict) or body.get("mode", c.mode) not in MODES:
                    return self.error(400, "control: {\"mode\": one of %s, \"delay_ms\": N, "
                                      "\"max_page_size\": N}" % ", ".join(MODES))
                c.mode = body.get("mode", c.mode)
                c.delay_ms = int(body.get("delay_ms", c.delay_ms))
                c.max_page = body.get("max_page_size", c.max_page)
                c.sessions = {}
                return self.reply(200, {"mode": c.mode, "delay_ms": c.delay_ms,
                                        "max_page_size": c.max_page or self.srv.max_page})
            if len(parts) == 4 and parts[:2] == ["api1", "collections"] and \
                    parts[3] == "objects":
                c = self.srv.coll(parts[2])
                if c is None:
                    return self.error(404, "Collection not found")
                if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
                    return self.error(400, "expected an envelope {\"objects\": [...]}")
                return self.reply(202, c.add(body["objects"]))
            return self.error(404, "Not found", u.path)


def serve(a):
    if a.max_page_size <= 0:
        sys.exit("taxii_fixture: --max-page-size must be positive")
    password = "fixture-pw"
    if a.password_file:
        with open(a.password_file) as f:
            password = f.readline().rstrip("\r\n")
    srv = Server(a.user, password, a.max_page_size)
    for spec in a.collection or ["feed"]:
        name, _, mode = spec.partition(":")
        mode = mode or "medallion"
        if mode not in MODES:
            sys.exit("taxii_fixture: unknown mode %s (one of %s)" % (mode, ", ".join(MODES)))
        c = Collection(name, mode)
        srv.colls[c.id] = c
    Handler.srv = srv
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    httpd.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, a.port_file)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


def generate(a):
    """COUNT valid STIX 2.1 objects: indicators, malware and the relationships
    between them, with ids derived from their index (the same every run)."""
    objs = []
    ident = "identity--" + str(uuid.uuid5(NS, "identity"))
    objs.append({"type": "identity", "spec_version": "2.1", "id": ident,
                 "created": "2025-01-02T03:04:05.000Z", "modified": "2025-01-02T03:04:05.000Z",
                 "name": "taxii fixture", "identity_class": "system"})
    i = 0
    while len(objs) < a.count:
        t = "2025-%02d-%02dT%02d:%02d:%02d.%03dZ" % (1 + i % 12, 1 + i % 28, i % 24, i % 60,
                                                     (i * 7) % 60, i % 1000)
        k = i % 4
        if k in (0, 1):
            o = {"type": "indicator", "spec_version": "2.1",
                 "id": "indicator--" + str(uuid.uuid5(NS, "ind%d" % i)), "created": t,
                 "modified": t, "created_by_ref": ident, "name": "fixture indicator %d" % i,
                 "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (i >> 16 & 255,
                                                                    i >> 8 & 255, i & 255),
                 "pattern_type": "stix", "valid_from": t, "indicator_types": ["malicious-activity"]}
        elif k == 2:
            o = {"type": "malware", "spec_version": "2.1",
                 "id": "malware--" + str(uuid.uuid5(NS, "mal%d" % i)), "created": t,
                 "modified": t, "created_by_ref": ident, "name": "fixture family %d" % i,
                 "is_family": True, "malware_types": ["trojan"]}
        else:
            o = {"type": "relationship", "spec_version": "2.1",
                 "id": "relationship--" + str(uuid.uuid5(NS, "rel%d" % i)), "created": t,
                 "modified": t, "relationship_type": "indicates",
                 "source_ref": "indicator--" + str(uuid.uuid5(NS, "ind%d" % (i - 3))),
                 "target_ref": "malware--" + str(uuid.uuid5(NS, "mal%d" % (i - 1)))}
        objs.append(o)
        i += 1
    json.dump({"type": "bundle", "id": "bundle--" + str(uuid.uuid5(NS, "bundle%d" % a.count)),
               "objects": objs}, sys.stdout)
    sys.stdout.write("\n")


def post(a):
    with open(a.password_file) as f:
        pw = f.readline().rstrip("\r\n")
    with open(a.file) as f:
        objs = json.load(f)["objects"]
    sizes = [int(x) for x in a.sizes.split(",") if x]
    if not sizes or min(sizes) <= 0:
        sys.exit("taxii_fixture post: SIZES must be positive numbers")
    ctx = ssl.create_default_context(cafile=a.ca)
    auth = "Basic " + base64.b64encode((a.user + ":" + pw).encode()).decode()
    sent = posts = ok = bad = 0
    while sent < len(objs):
        n = sizes[posts % len(sizes)]
        batch = objs[sent:sent + n]
        req = urllib.request.Request(a.url, data=json.dumps({"objects": batch}).encode(),
                                     method="POST", headers={
                                         "Content-Type": MEDIA, "Accept": MEDIA,
                                         "Authorization": auth})
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            st = json.load(r)
        ok += st.get("success_count", 0)
        bad += st.get("failure_count", 0)
        sent += len(batch)
        posts += 1
    json.dump({"posts": posts, "objects": sent, "success": ok, "failure": bad}, sys.stdout)
    sys.stdout.write("\n")


def main():
    p = argparse.ArgumentParser(description="TAXII 2.1 test server behaving like medallion")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file", required=True)
    s.add_argument("--user", default="fixture")
    s.add_argument("--password-file")
    s.add_argument("--collection", action="append")
    s.add_argument("--max-page-size", type=int, default=100)
    g = sub.add_parser("generate")
    g.add_argument("count", type=int)
    q = sub.add_parser("post")
    q.add_argument("url")
    q.add_argument("ca")
    q.add_argument("user")
    q.add_argument("password_file")
    q.add_argument("file")
    q.add_argument("sizes")
    a = p.parse_args()
    {"serve": serve, "generate": generate, "post": post}[a.cmd](a)


if __name__ == "__main__":
    main()
