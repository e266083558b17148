#!/usr/bin/env python3
"""bench_taxii.py: a TAXII 2.1 load client for `make bench` (issue 8).

One keep-alive HTTPS connection per worker (TLS 1.3, the node's CA, HTTP
Basic), Python's http.client: the node, not the client, is what is measured
(the client prepares each envelope before it starts the clock for it and
the node's work per POST is far larger than the client's).

  bench_taxii.py COMMON post COLL (--bundle FILE | --gen N) [--batch B]
      [--conns C] [--watch HOST:PORT --watch-pass FILE --watch-ca CA]
  bench_taxii.py COMMON get COLL
  bench_taxii.py COMMON search --n N --values-from COLL_SAMPLE_N
  COMMON = --api HOST:PORT --user U --passfile F --ca CA [--prefix P]

Prints key=value lines (scripts/bench.sh records them under stix.taxii.):
post: P_objects, P_seconds, P_objects_per_s, P_failures, P_status_ok
      (the status resource of the last POST read back: all complete);
      with --watch: P_shared_objects, P_shared_seconds, P_shared_objects_per_s
      (objects seen at the partner's TAXII GET, from the first POST on
      this node to the last object there);
get:  P_objects, P_seconds, P_objects_per_s, P_pages;
search: P_n, P_p50_us, P_p99_us, P_max_us (GET /api/v1/stix/search).
Generated indicators (--gen) are small: an IPv4 equality pattern each."""
import argparse
import base64
import http.client
import json
import os
import queue
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

ACC = "application/taxii+json;version=2.1"


class Conn:
    def __init__(self, hostport, user, pw, ca):
        host, port = hostport.rsplit(":", 1)
        self.host, self.port = host, int(port)
        ctx = ssl.create_default_context(cafile=ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False      # the node certificate names the node, not 127.0.0.1
        self.ctx = ctx
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        self.c = None

    def req(self, method, path, body=None, ctype=None):
        hdr = {"Authorization": self.auth, "Accept": ACC}
        if ctype:
            hdr["Content-Type"] = ctype
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                     timeout=600)
            try:
                self.c.request(method, path, body=body, headers=hdr)
                r = self.c.getresponse()
                data = r.read()
                return r.status, r.getheaders(), data
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def coll_path(coll):
    return "/taxii2/hotline/collections/%s/objects/" % urllib.parse.quote(coll)


def gen_objects(n, seed):
    ts = "2026-11-23T00:00:00.000Z"
    for i in range(n):
        a = (i * 2654435761 + seed) & 0xffffffff
        yield {"type": "indicator", "spec_version": "2.1",
               "id": "indicator--%s" % uuid.uuid4(), "created": ts, "modified": ts,
               "name": "bench %d" % i, "pattern_type": "stix", "valid_from": ts,
               "pattern": "[ipv4-addr:value = '%d.%d.%d.%d']" % (
                   11 + (a >> 24) % 200, (a >> 16) & 255, (a >> 8) & 255, a & 255)}


def batches(args):
    if args.bundle:
        for path in args.bundle:
            with open(path) as f:
                objs = json.load(f)["objects"]
            for i in range(0, len(objs), args.batch):
                yield objs[i:i + args.batch]
    else:
        cur = []
        for o in gen_objects(args.gen, args.seed):
            cur.append(o)
            if len(cur) == args.batch:
                yield cur
                cur = []
        if cur:
            yield cur


def count_at(conn, coll, state):
    """Page the partner's collection from state['after'] on; add to state['n']."""
    q = {"limit": "10000"}
    if state.get("after"):
        q["added_after"] = state["after"]
    while True:
        st, hdrs, data = conn.req("GET", coll_path(coll) + "?" + urllib.parse.urlencode(q))
        if st == 404:
            return          # the collection does not exist there yet
        if st != 200:
            raise RuntimeError("partner GET: HTTP %d %s" % (st, data[:200]))
        j = json.loads(data)
        state["n"] += len(j.get("objects", []))
        h = dict((k.lower(), v) for k, v in hdrs)
        if h.get("x-taxii-date-added-last"):
            state["after"] = h["x-taxii-date-added-last"]
        if not j.get("more"):
            return
        q = {"limit": "10000", "next": j["next"]}


def cmd_post(args, pw):
    p = args.prefix
    # prepare every envelope first (the clock measures the node)
    # (--lazy: make each envelope when a worker takes it, for a fill too
    # large to hold in memory; the workers then also pay for making them)
    def enc(b):
        return json.dumps({"objects": b}, separators=(",", ":")).encode()
    if args.lazy:
        it = batches(args)
        itlock = threading.Lock()
        nobj = args.gen or 0

        def take():
            with itlock:
                b = next(it, None)
            return None if b is None else enc(b)
    else:
        bodies = [enc(b) for b in batches(args)]
        # what a partner's GET will show: one (the newest) version per id,
        # and an id posted twice (bundles share identities, markings) once
        nobj = len(set(o["id"] for b in batches(args) for o in b)) if args.bundle else args.gen
        qu = queue.Queue()
        for b in bodies:
            qu.put(b)

        def take():
            try:
                return qu.get_nowait()
            except queue.Empty:
                return None
    res = {"ok": 0, "fail": 0, "last": None, "err": None}
    lock = threading.Lock()
    watch = None
    wstate = {"n": 0, "t_last": None, "stop": False}
    if args.watch:
        wconn = Conn(args.watch, args.user, open(args.watch_pass).readline().rstrip("\r\n"),
                     args.watch_ca)
        base = {"n": 0}
        count_at(wconn, args.coll, base)     # what the partner has before we start
        wstate["after"] = base.get("after")

        def watcher():
            while not wstate["stop"]:
                before = wstate["n"]
                count_at(wconn, args.coll, wstate)
                if wstate["n"] != before:
                    wstate["t_last"] = time.monotonic()
                if wstate["n"] >= wstate["want"]:
                    return
                # posting is over and nothing new for watch-timeout s: give up
                if wstate.get("posted") and time.monotonic() - max(
                        wstate["t_last"] or 0, wstate["posted"]) > args.watch_timeout:
                    return
                time.sleep(0.05)
        watch = threading.Thread(target=watcher, daemon=True)

    def worker():
        c = Conn(args.api, args.user, pw, args.ca)
        while True:
            if args.seconds and time.monotonic() - t0 > args.seconds:
                return
            b = take()
            if b is None:
                return
            try:
                st, _, data = c.req("POST", coll_path(args.coll), b, ACC)
            except Exception as e:      # noqa: BLE001 (reported below)
                with lock:
                    res["err"] = str(e)
                return
            if st != 202:
                with lock:
                    res["err"] = "HTTP %d: %s" % (st, data[:300])
                return
            s = json.loads(data)
            with lock:
                res["ok"] += s.get("success_count", 0)
                res["fail"] += s.get("failure_count", 0)
                res["last"] = s.get("id")
    def ticks():
        try:
            with open("/proc/%d/stat" % args.pid) as f:
                x = f.read().rsplit(")", 1)[1].split()
            return int(x[11]) + int(x[12])      # utime + stime
        except (OSError, ValueError, IndexError):
            return None
    c0 = ticks() if args.pid else None
    t0 = time.monotonic()
    if watch:
        wstate["want"] = nobj
        watch.start()
    ws = [threading.Thread(target=worker) for _ in range(args.conns)]
    for t in ws:
        t.start()
    for t in ws:
        t.join()
    wstate["posted"] = time.monotonic()
    # the last status resource, read back: every POST above answered
    # "complete" synchronously; this checks the node kept it
    status_ok = 0
    if res["last"]:
        c = Conn(args.api, args.user, pw, args.ca)
        st, _, data = c.req("GET", "/taxii2/hotline/status/%s/" % res["last"])
        if st == 200 and json.loads(data).get("status") == "complete":
            status_ok = 1
    t1 = time.monotonic()
    if res["err"]:
        sys.stderr.write("bench_taxii: post: %s\n" % res["err"])
    secs = t1 - t0
    print("%s_objects=%d" % (p, res["ok"]))
    print("%s_failures=%d" % (p, res["fail"]))
    print("%s_seconds=%.3f" % (p, secs))
    print("%s_objects_per_s=%.0f" % (p, res["ok"] / secs if secs > 0 else 0))
    print("%s_status_ok=%d" % (p, status_ok))
    c1 = ticks() if args.pid else None
    if c0 is not None and c1 is not None and secs > 0:
        # the node's CPU over the run (100 = one core all the time)
        print("%s_cpu_pct=%.0f" % (p, (c1 - c0) * 100.0 / os.sysconf("SC_CLK_TCK") / secs))
    if watch:
        watch.join()
        print("%s_shared_expected=%d" % (p, wstate["want"]))
        ws_ = (wstate["t_last"] or t1) - t0
        print("%s_shared_objects=%d" % (p, wstate["n"]))
        print("%s_shared_seconds=%.3f" % (p, ws_))
        print("%s_shared_objects_per_s=%.0f" % (p, wstate["n"] / ws_ if ws_ > 0 else 0))
    return 0 if not res["err"] else 1


def cmd_get(args, pw):
    p = args.prefix
    c = Conn(args.api, args.user, pw, args.ca)
    n = pages = 0
    q = {"limit": str(args.limit)}
    t0 = time.monotonic()
    while True:
        st, _, data = c.req("GET", coll_path(args.coll) + "?" + urllib.parse.urlencode(q))
        if st != 200:
            sys.stderr.write("bench_taxii: get: HTTP %d %s\n" % (st, data[:200]))
            return 1
        j = json.loads(data)
        n += len(j.get("objects", []))
        pages += 1
        if not j.get("more"):
            break
        q = {"limit": str(args.limit), "next": j["next"]}
    secs = time.monotonic() - t0
    print("%s_objects=%d" % (p, n))
    print("%s_pages=%d" % (p, pages))
    print("%s_seconds=%.3f" % (p, secs))
    print("%s_objects_per_s=%.0f" % (p, n / secs if secs > 0 else 0))
    return 0


def cmd_search(args, pw):
    p = args.prefix
    c = Conn(args.api, args.user, pw, args.ca)
    lat = []
    hits = 0
    for i in range(args.n):
        # half aim at generated indicators (same addresses as gen_objects), half miss
        a = ((i * 7919) % args.gen_n * 2654435761 + args.seed) & 0xffffffff
        if i % 2 == 0:
            v = "%d.%d.%d.%d" % (11 + (a >> 24) % 200, (a >> 16) & 255, (a >> 8) & 255, a & 255)
        else:
            v = "%d.%d.%d.%d" % (223, (a >> 16) & 255, (a >> 8) & 255, a & 255)
        t = time.monotonic()
        st, _, data = c.req("GET", "/api/v1/stix/search?" + urllib.parse.urlencode({"value": v}))
        lat.append((time.monotonic() - t) * 1e6)
        if st != 200:
            sys.stderr.write("bench_taxii: search: HTTP %d %s\n" % (st, data[:200]))
            return 1
        if b'"indicator--' in data:
            hits += 1
    lat.sort()

    def q(x):
        return lat[min(len(lat) - 1, int(x * (len(lat) - 1) + 0.5))]
    print("%s_n=%d" % (p, len(lat)))
    print("%s_hits=%d" % (p, hits))
    print("%s_p50_us=%.0f" % (p, q(0.5)))
    print("%s_p99_us=%.0f" % (p, q(0.99)))
    print("%s_max_us=%.0f" % (p, lat[-1]))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--passfile", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--prefix", default="taxii")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("post")
    a.add_argument("coll")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--bundle", action="append")
    g.add_argument("--gen", type=int)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--batch", type=int, default=1000)
    a.add_argument("--conns", type=int, default=1)
    a.add_argument("--lazy", action="store_true")
    a.add_argument("--pid", type=int, help="the node's pid: print its CPU over the run")
    a.add_argument("--seconds", type=float, default=0,
                   help="stop taking new envelopes after this many seconds")
    a.add_argument("--watch")
    a.add_argument("--watch-pass")
    a.add_argument("--watch-ca")
    a.add_argument("--watch-timeout", type=float, default=15)
    a = sub.add_parser("get")
    a.add_argument("coll")
    a.add_argument("--limit", type=int, default=1000)
    a = sub.add_parser("search")
    a.add_argument("--n", type=int, default=2000)
    a.add_argument("--gen-n", type=int, required=True)
    a.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with open(args.passfile) as f:
        pw = f.readline().rstrip("\r\n")
    return {"post": cmd_post, "get": cmd_get, "search": cmd_search}[args.cmd](args, pw)


if __name__ == "__main__":
    sys.exit(main())
