/* hotlined.c: the node daemon. hotlined [-d] [-n] -c node.conf
 *
 * With privsep = yes (the default) it forks the key keeper first (keeper.h)
 * and then runs as the network process, which holds no signing or KEM secret
 * key; started as root, each process drops to its own user; with sandbox =
 * yes each installs its seccomp allow-list (sandbox.h). docs/SECURITY.md,
 * "Processes and privileges".
 *
 * This file composes the daemon: it builds the node, the HTTP layer of the
 * operator port (http.c) with its authenticators (auth.c's HTTP Basic, the
 * console's sessions), and the services that sit on them (operator API,
 * web console, TAXII server, track and STIX ingest, the TAXII poll bridge),
 * each registering its routes into the layer; and it wires the services to
 * the node's post-commit events. Nothing below it knows the services
 * exist, and the services do not call each other. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "alloc.h"
#include "api.h"
#include "apijson.h"
#include "auth.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "envelope.h"
#include "http.h"
#include "keeper.h"
#include "keys.h"
#include "log.h"
#include "node.h"
#include "nodeinit.h"
#include "sandbox.h"
#include "sealfile.h"
#include "detect.h"
#include "stixdb.h"
#include "stixshare.h"
#include "narr.h"
#include "taxii.h"
#include "takout.h"
#include "taxiipoll.h"
#include "track.h"
#include "version.h"

/* The privilege-separated start (privsep = yes). */
struct privsep {
	int on;
	int root;                  /* started as root: drop users */
	int drop_net, drop_keeper; /* 0 for a user configured as "root" */
	uid_t net_uid, keeper_uid;
	gid_t net_gid, keeper_gid;
	pid_t keeper_pid;
	int fd;                    /* our end of the keeper's socketpair */
	int keeper_died;
	struct event_base *base;   /* the loop to stop when the keeper dies */
};

/* The network process's parts, built by compose() and undone by
 * decompose(). */
#define TRACK_QUEUE_MAX 1024        /* track envelopes waiting; more are ingested at once */
#define TRACK_SLICE 64              /* updates a loop pass (like the STIX queue's slices) */
#define TRACK_YIELD_MAX_MS 50       /* while FLASH work is under way, a slice at least this often */
#define TRACK_STALE_SCAN_MAX 1000   /* stale alerts raised a scan (the rest: next second) */
#define NARR_SCAN_S 2               /* seconds between narrative scans (narr.h) */

struct daemon {
	struct hl_node *node;
	struct hl_http *http;         /* the operator port: TLS, routes, authenticators */
	struct hl_auth *auth;         /* accounts, logins, HTTP Basic */
	struct hl_api *api;
	struct hl_console *console;
	struct hl_taxii *taxii;
	struct hl_stixshare_q *stixq;     /* TAXII POSTs and STIX ingest, in slices */
	struct hl_taxiipoll *poll;
	struct hl_takout *takout;        /* [tak] outputs: Cursor on Target */
	struct hl_narr *narr;            /* narratives linked across partners */
	struct event *narr_tick;         /* ... what was stored since, every NARR_SCAN_S */
	struct hl_detect *detect;        /* [sensor] files followed and matched */
	/* the track picture: the alert rules, and the stale scan's timer */
	struct track_feed {
		struct hl_node *node;
		struct hl_console *console;   /* told when an envelope is in the picture */
		struct hl_takout *takout;     /* told of each slice (the tracks it moved) */
		struct hl_store *store;
		struct hl_track_rules rules;
		struct event *stale;
		/* envelopes to feed into the picture, a slice per loop pass */
		struct event *tick;
		struct track_job {
			uint8_t id[HL_ID_BYTES];
			unsigned next;            /* the update to go on from */
		} q[TRACK_QUEUE_MAX];
		size_t qhead, qlen;
		uint64_t last_slice_ms;
	} tracks;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hotlined [-d] [-n] -c node.conf\n"
	    "       hotlined --version\n"
	    "\n"
	    "  -c FILE   node configuration (see docs/CONFIG.md); default $HOTLINE_CONF\n"
	    "  -n        check the configuration and exit (errors as file:line: message)\n"
	    "  -d        verbose (debug) logging\n"
	    "  -h        this help\n");
}

/* Resolve the two users and check the secret files' modes and owners:
 * what a start needs before anything is created (also run by -n). */
static int
privsep_check(struct privsep *ps, const struct hl_config *cfg, char *err, size_t errlen)
{
	uid_t owner;
	int r;

	ps->on = 1;
	ps->root = geteuid() == 0;
	if (ps->root) {
		ps->drop_net = strcmp(cfg->user, "root") != 0;
		ps->drop_keeper = strcmp(cfg->keeper_user, "root") != 0;
		if (ps->drop_net && (r = hl_sandbox_user(cfg->user, &ps->net_uid, &ps->net_gid,
		    err, errlen)) != HL_OK)
			return r;
		if (ps->drop_keeper && (r = hl_sandbox_user(cfg->keeper_user, &ps->keeper_uid,
		    &ps->keeper_gid, err, errlen)) != HL_OK)
			return r;
		if (ps->drop_net && ps->drop_keeper && ps->net_uid == ps->keeper_uid) {
			snprintf(err, errlen, "user and keeper_user are the same user (uid %lu): "
			    "the keeper needs its own", (unsigned long)ps->net_uid);
			return HL_ERR_CONFIG;
		}
		if (!ps->drop_net || !ps->drop_keeper)
			log_warnx("started as root with %s = root: that process keeps root "
			    "privileges", !ps->drop_keeper ? "keeper_user" : "user");
	} else {
		log_info("not started as root: no user change (network process and key keeper "
		    "run as uid %lu)", (unsigned long)geteuid());
	}
	owner = ps->root && ps->drop_keeper ? ps->keeper_uid : geteuid();
	if ((r = hl_keeper_check_files(cfg, owner, err, errlen)) != HL_OK)
		return r;
	/* tls_key: the network process's own secret (links, operator API) */
	if (strcmp(cfg->tls_key_path, cfg->key_path) == 0)
		log_warnx("%s: no tls_key: links and the operator API use the signing key %s, "
		    "which the network process then holds (docs/SECURITY.md)", cfg->path,
		    cfg->key_path);
	else if ((r = hl_keeper_check_secret(cfg->tls_key_path, ps->root && ps->drop_net ?
	    ps->net_uid : geteuid(), err, errlen)) != HL_OK)
		return r;
	return HL_OK;
}

/* Check as above, then fork the key keeper. */
static int
privsep_start(struct privsep *ps, const struct hl_config *cfg, char *err, size_t errlen)
{
	struct hl_keeper_opts o;
	char kem_dir[HL_PATH_MAX + 8];
	int r;

	if ((r = privsep_check(ps, cfg, err, errlen)) != HL_OK)
		return r;
	/* the data directory belongs to the network process's user; the keeper
	 * (still root when it starts) creates data/kem for its own */
	if (mkdir(cfg->data_dir, 0700) == 0) {
		if (ps->root && ps->drop_net && chown(cfg->data_dir, ps->net_uid, ps->net_gid) == -1) {
			snprintf(err, errlen, "%s: chown: %s", cfg->data_dir, strerror(errno));
			return HL_ERR_IO;
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create data directory: %s", cfg->data_dir,
		    strerror(errno));
		return HL_ERR_IO;
	}
	snprintf(kem_dir, sizeof(kem_dir), "%s/kem", cfg->data_dir);
	memset(&o, 0, sizeof(o));
	o.key_path = cfg->key_path;
	o.kem_dir = kem_dir;
	o.drop = ps->root && ps->drop_keeper;
	o.uid = ps->keeper_uid;
	o.gid = ps->keeper_gid;
	o.sandbox = cfg->sandbox;
	if ((r = hl_keeper_spawn(&o, &ps->keeper_pid, &ps->fd, err, errlen)) != HL_OK)
		return r;
	hl_keys_set_keeper(ps->fd);
	return HL_OK;
}

/* Started as root: give the store's files to the network process's user,
 * then become that user. Files the node opened stay open. */
static int
privsep_drop_net(struct privsep *ps, const struct hl_config *cfg, char *err, size_t errlen)
{
	char path[HL_PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if (!ps->root || !ps->drop_net)
		return HL_OK;
	if ((d = opendir(cfg->data_dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", cfg->data_dir, strerror(errno));
		return HL_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, "..") == 0 || strcmp(de->d_name, "kem") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, de->d_name) <
		    sizeof(path) && lchown(path, ps->net_uid, ps->net_gid) == -1)
			log_warn("%s: chown", path);
	}
	closedir(d);
	/* and the large envelopes' files (store_blob.c), written by an earlier
	 * run as another user */
	if ((size_t)snprintf(path, sizeof(path), "%s/hotline.db.blobs", cfg->data_dir) <
	    sizeof(path) && (d = opendir(path)) != NULL) {
		char fp[HL_PATH_MAX + 600];

		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(fp, sizeof(fp), "%s/%s", path, de->d_name) <
			    sizeof(fp) && lchown(fp, ps->net_uid, ps->net_gid) == -1)
				log_warn("%s: chown", fp);
		}
		closedir(d);
	}
	return hl_sandbox_drop(ps->net_uid, ps->net_gid, err, errlen);
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct privsep *ps = arg;
	pid_t p;
	int st = 0;

	(void)sig;
	(void)what;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p != ps->keeper_pid)
			continue;
		ps->keeper_died = 1;
		ps->keeper_pid = -1;
		if (WIFSIGNALED(st))
			log_warnx("key keeper (pid %ld) killed by signal %d: exiting", (long)p,
			    WTERMSIG(st));
		else
			log_warnx("key keeper (pid %ld) exited with status %d: exiting", (long)p,
			    WEXITSTATUS(st));
		event_base_loopexit(ps->base, NULL);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

/* SIGHUP: the configuration read again; its [peer] sections applied
 * (hl_node_reload_peers), the rest needs a restart. A configuration that
 * does not load changes nothing. */
struct reload {
	const char *conf;
	struct hl_node *node;
	struct hl_http *http;
};

/* The operator port's certificates again (renewed for the same keys): the
 * node's TLS certificate and the console's. */
static void
reload_api_certs(struct reload *rl)
{
	const struct hl_config *c = hl_node_config(rl->node);
	SSL_CTX *ctx = hl_http_tls(rl->http);

	if (ctx == NULL)
		return;
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert_path) != 1 ||
	    (c->console_cert_path[0] != '\0' &&
	    SSL_CTX_use_certificate_chain_file(ctx, c->console_cert_path) != 1) ||
	    SSL_CTX_check_private_key(ctx) != 1)
		log_warnx("reload: the operator port keeps its certificates (the new ones do not "
		    "load, or are not for its keys)");
	ERR_clear_error();
}

static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct reload *rl = arg;
	struct hl_config *nc = NULL;
	unsigned added = 0, changed = 0, removed = 0;
	char err[512];

	(void)sig;
	(void)what;
	if ((nc = hl_calloc(1, sizeof(*nc))) == NULL) {
		log_warnx("reload: out of memory");
		return;
	}
	if (hl_config_load(rl->conf, nc, err, sizeof(err)) != HL_OK)
		log_warnx("reload: %s: nothing changed", err);
	else if (strcmp(nc->node, hl_node_config(rl->node)->node) != 0)
		log_warnx("reload: %s names node %s, not %s: nothing changed (restart to rename)",
		    rl->conf, nc->node, hl_node_config(rl->node)->node);
	else if (hl_node_reload_certs(rl->node, err, sizeof(err)) != HL_OK)
		log_warnx("reload: certificates: %s: nothing changed", err);
	else if ((reload_api_certs(rl), hl_node_reload_peers(rl->node, nc, &added, &changed,
	    &removed, err, sizeof(err))) != HL_OK)
		log_warnx("reload: %s (peers applied before it stay)", err);
	else
		log_info("reload: %s: %u peer(s) added, %u changed, %u removed; other settings "
		    "take effect at a restart", rl->conf, added, changed, removed);
	hl_free(nc);
}

/* ---- services wired to the node's post-commit events ---- */

static const struct timeval zero_tv = { 0, 0 };

/* One slice of the oldest queued track envelope into the picture: 64
 * updates a loop pass, so that a FLASH frame or request arriving meanwhile
 * waits for at most one slice (a batch of 1,000 took 40-60 ms of the loop
 * in one go); none while FLASH work is under way, but one at least every
 * TRACK_YIELD_MAX_MS. */
static void
track_tick(evutil_socket_t fd, short what, void *arg)
{
	struct track_feed *tf = arg;
	struct track_job *j;
	char idh[HL_API_ID_HEX + 1];
	uint64_t now = hl_mono_us() / 1000, busy;
	unsigned next = 0, alerts = 0;
	int r;

	(void)fd;
	(void)what;
	if (tf->qlen == 0)
		return;
	if ((busy = hl_node_flash_busy(tf->node)) > 0 &&
	    now - tf->last_slice_ms < TRACK_YIELD_MAX_MS) {
		struct timeval tv = { 0, 1000 * (long)(busy < 2 ? busy : 2) };

		(void)evtimer_add(tf->tick, &tv);
		return;
	}
	j = &tf->q[tf->qhead];
	r = hl_tracks_ingest_slice(tf->store, j->id, &tf->rules, j->next, TRACK_SLICE, &next,
	    &alerts);
	tf->last_slice_ms = hl_mono_us() / 1000;
	if (r == HL_OK)
		hl_takout_changed(tf->takout, j->id, j->next, next != 0 ? next : HL_TRACKS_BATCH_MAX);
	if (r != HL_OK) {
		hl_hex_id(j->id, idh);
		log_warnx("envelope %s: track picture not updated: %s (GET /api/v1/tracks takes "
		    "it in later)", idh, hl_strerror(r));
		next = 0;
	}
	if (next != 0) {
		j->next = next;
	} else {
		if (r == HL_OK)
			hl_console_tracks_changed(tf->console, j->id);
		tf->qhead = (tf->qhead + 1) % TRACK_QUEUE_MAX;
		tf->qlen--;
	}
	if (tf->qlen > 0)
		(void)evtimer_add(tf->tick, &zero_tv);
}

/* The track picture: a track envelope or a batch of the track stream
 * received, or one of our own sent, queued for track_tick (a failure, or a
 * stop part way, is caught up by GET /api/v1/tracks and at the next start). */
static void
on_event_track(void *arg, const struct hl_node_event *ev)
{
	struct track_feed *tf = arg;
	struct track_job *j;
	char idh[HL_API_ID_HEX + 1];
	int r;

	if ((ev->kind != HL_NODE_EV_ENVELOPE && ev->kind != HL_NODE_EV_SENT) || ev->overdue ||
	    (ev->content_type != HL_CT_TRACK && ev->content_type != HL_CT_TRACKS))
		return;
	if (tf->qlen == TRACK_QUEUE_MAX || tf->tick == NULL) {
		/* a full queue: at once (the bound holds a flood back) */
		if ((r = hl_tracks_ingest(tf->store, ev->id, &tf->rules, NULL)) != HL_OK) {
			hl_hex_id(ev->id, idh);
			log_warnx("envelope %s: track picture not updated: %s", idh, hl_strerror(r));
		} else {
			hl_console_tracks_changed(tf->console, ev->id);
			hl_takout_changed(tf->takout, ev->id, 0, HL_TRACKS_BATCH_MAX);
		}
		return;
	}
	j = &tf->q[(tf->qhead + tf->qlen) % TRACK_QUEUE_MAX];
	memcpy(j->id, ev->id, HL_ID_BYTES);
	j->next = 0;
	tf->qlen++;
	if (!evtimer_pending(tf->tick, NULL))
		(void)evtimer_add(tf->tick, &zero_tv);
}

/* At a stop: what is queued goes into the picture now. */
static void
track_finish(struct track_feed *tf)
{
	char idh[HL_API_ID_HEX + 1];
	int r;

	for (; tf->qlen > 0; tf->qlen--, tf->qhead = (tf->qhead + 1) % TRACK_QUEUE_MAX) {
		if ((r = hl_tracks_ingest(tf->store, tf->q[tf->qhead].id, &tf->rules, NULL)) != HL_OK) {
			hl_hex_id(tf->q[tf->qhead].id, idh);
			log_warnx("envelope %s: track picture not updated at the stop: %s", idh,
			    hl_strerror(r));
		}
	}
}

/* Once a second: the tracks that went stale raise their alert. */
static void
on_track_stale(evutil_socket_t fd, short what, void *arg)
{
	struct track_feed *tf = arg;
	unsigned raised = 0;
	int r;

	(void)fd;
	(void)what;
	if ((r = hl_tracks_stale(tf->store, &tf->rules, hl_now_ms(), TRACK_STALE_SCAN_MAX,
	    &raised)) != HL_OK)
		log_warnx("tracks: the stale scan failed: %s", hl_strerror(r));
	else if (raised > 0)
		log_info("tracks: %u track(s) went stale", raised);
}

/* Every NARR_SCAN_S: the reports, incidents and campaigns stored since
 * the last scan are linked to the earlier ones (narr.h). */
static void
on_narr_tick(evutil_socket_t fd, short what, void *arg)
{
	int r;

	(void)fd;
	(void)what;
	if ((r = hl_narr_scan(arg, NULL)) != HL_OK)
		log_warnx("narratives: the scan failed: %s", hl_strerror(r));
}

/* STIX objects into the local copy of their collection (stixshare.c):
 * queued right after the commit, stored a slice per loop pass; idempotent,
 * so a retry after a failure or a stop is safe. */
static void
on_event_stix(void *arg, const struct hl_node_event *ev)
{
	char idh[HL_API_ID_HEX + 1];
	int r;

	if (ev->kind != HL_NODE_EV_ENVELOPE || ev->overdue || ev->content_type != HL_CT_STIX)
		return;
	if ((r = hl_stixshare_ingest_async(arg, ev->id)) != HL_OK) {
		hl_hex_id(ev->id, idh);
		log_warnx("envelope %s: STIX objects not ingested: %s", idh, hl_strerror(r));
	}
}

/* The network process: the node, its link listener, the HTTP layer with
 * HTTP Basic and session tokens, the services and their routes (the
 * console also its session authenticator and its certificate, then client
 * certificates, and it subscribes to the node's events), the listening socket, the ingest subscribers, the node's timer,
 * the TAXII poll bridge and its routes; in this order, and undone in
 * reverse. */
static int
compose(struct hl_config *cfg, struct event_base *base, struct daemon *d, char *err,
    size_t errlen)
{
	struct hl_http_table *routes;
	size_t nidx;
	int r;

	if ((r = hl_node_new(cfg, base, &d->node, err, errlen)) != HL_OK)
		return r;
	/* after the STIX search migration: index what was stored before it,
	 * now rather than on the event loop (src/stixdb.h) */
	if ((r = hl_stixdb_backfill(hl_node_store(d->node), &nidx)) != HL_OK) {
		snprintf(err, errlen, "STIX search index: %s", hl_strerror(r));
		return r;
	}
	if (nidx > 0)
		log_info("stix: search index built for %zu objects stored before it", nidx);
	if ((r = hl_node_listen(d->node, err, errlen)) != HL_OK ||
	    (r = hl_http_new(base, hl_node_config(d->node), &d->http, err, errlen)) != HL_OK)
		return r;
	routes = hl_http_table(d->http);
	/* HTTP Basic and session tokens first; the console's session cookie
	 * after them, then client certificates (a browser's cookie session
	 * keeps its CSRF check even if the browser has a certificate) */
	if ((r = hl_auth_new(hl_node_config(d->node), hl_node_store(d->node), &d->auth)) != HL_OK ||
	    (r = hl_auth_register(d->auth, routes)) != HL_OK ||
	    (r = hl_http_table_set_denied(routes, hl_auth_denied, d->auth)) != HL_OK ||
	    (r = hl_api_new(d->node, d->auth, &d->api)) != HL_OK ||
	    (r = hl_api_register(d->api, routes)) != HL_OK) {
		snprintf(err, errlen, "operator API: %s", hl_strerror(r));
		return r;
	}
	if ((r = hl_console_new(d->node, d->auth, base, hl_http_tls(d->http), &d->console, err,
	    errlen)) != HL_OK)
		return r;
	if ((r = hl_console_register(d->console, routes)) != HL_OK ||
	    (r = hl_http_table_add_auth(routes, hl_auth_cert, d->auth)) != HL_OK ||
	    (r = hl_node_subscribe(d->node, hl_console_event, d->console)) != HL_OK) {
		snprintf(err, errlen, "web console: %s", hl_strerror(r));
		return r;
	}
	if ((r = hl_stixshare_q_new(d->node, base, &d->stixq)) != HL_OK ||
	    (r = hl_taxii_new(d->node, d->auth, d->stixq, &d->taxii)) != HL_OK ||
	    (r = hl_taxii_register(d->taxii, routes)) != HL_OK) {
		snprintf(err, errlen, "TAXII server: %s", hl_strerror(r));
		return r;
	}
	/* narratives: the index rebuilt from the store now, not on the loop */
	if ((r = hl_narr_new(hl_node_config(d->node), hl_node_store(d->node), &d->narr)) !=
	    HL_OK ||
	    (r = hl_narr_scan(d->narr, &nidx)) != HL_OK) {
		snprintf(err, errlen, "narratives: %s", hl_strerror(r));
		return r;
	}
	hl_taxii_set_narr(d->taxii, d->narr);
	if ((d->narr_tick = event_new(base, -1, EV_PERSIST, on_narr_tick, d->narr)) == NULL ||
	    event_add(d->narr_tick, &(struct timeval){ NARR_SCAN_S, 0 }) != 0) {
		snprintf(err, errlen, "cannot start the narrative scan");
		return HL_ERR_NOMEM;
	}
	if ((r = hl_http_listen(d->http, err, errlen)) != HL_OK)
		return r;
	/* Cursor on Target out: its listeners and TLS files before the drop */
	if ((r = hl_takout_new(base, hl_node_config(d->node), hl_node_store(d->node), &d->takout,
	    err, errlen)) != HL_OK)
		return r;
	d->tracks.node = d->node;
	d->tracks.console = d->console;
	d->tracks.takout = d->takout;
	d->tracks.store = hl_node_store(d->node);
	if ((d->tracks.tick = evtimer_new(base, track_tick, &d->tracks)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	d->tracks.rules.alerts = cfg->track_alerts;
	d->tracks.rules.own = cfg->node;
	d->tracks.rules.confidence = cfg->track_alert_confidence;
	d->tracks.rules.stale_s = cfg->track_stale_s;
	if ((d->tracks.stale = event_new(base, -1, EV_PERSIST, on_track_stale, &d->tracks)) ==
	    NULL || event_add(d->tracks.stale, &(struct timeval){ 1, 0 }) != 0) {
		snprintf(err, errlen, "cannot start the track stale scan");
		return HL_ERR_NOMEM;
	}
	if ((r = hl_node_subscribe(d->node, on_event_track, &d->tracks)) != HL_OK ||
	    (r = hl_node_subscribe(d->node, on_event_stix, d->stixq)) != HL_OK) {
		snprintf(err, errlen, "cannot subscribe to node events: %s", hl_strerror(r));
		return r;
	}
	if ((r = hl_node_start(d->node, err, errlen)) != HL_OK)
		return r;
	/* the TAXII poll bridge: [taxii_source] sections (taxiipoll.c) */
	if ((r = hl_taxiipoll_new(d->node, d->auth, base, d->stixq, &d->poll, err, errlen)) !=
	    HL_OK)
		return r;
	if ((r = hl_taxiipoll_register(d->poll, routes)) != HL_OK) {
		snprintf(err, errlen, "taxii sources: %s", hl_strerror(r));
		return r;
	}
	/* the detector: [sensor] sections (detect.c), its counters in status */
	if ((r = hl_detect_new(d->node, base, &d->detect, err, errlen)) != HL_OK)
		return r;
	if ((r = hl_detect_register(d->detect, routes)) != HL_OK) {
		snprintf(err, errlen, "detect: %s", hl_strerror(r));
		return r;
	}
	hl_api_status_extra(d->api, "sensors", hl_detect_status, d->detect);
	return HL_OK;
}

/* The poll bridge stops first, before the node's last commit: no more
 * requests; the pages it handed to the STIX queue are stored when the
 * queue is finished, and then it is freed (free_poll). */
static void
stop_poll(struct daemon *d)
{
	if (d->http != NULL && d->poll != NULL)
		hl_http_table_remove(hl_http_table(d->http), d->poll);
	hl_taxiipoll_stop(d->poll);
}

static void
free_poll(struct daemon *d)
{
	hl_taxiipoll_free(d->poll);
	d->poll = NULL;
}

/* Reverse of compose: the HTTP server first (every connection closes, the
 * console's event streams too), then the services, the node last. */
static void
decompose(struct daemon *d)
{
	if (d->api != NULL)
		hl_api_status_extra(d->api, NULL, NULL, NULL);
	if (d->http != NULL && d->detect != NULL)
		hl_http_table_remove(hl_http_table(d->http), d->detect);
	hl_detect_free(d->detect);   /* its last sightings while the node is up */
	d->detect = NULL;
	stop_poll(d);
	/* what the STIX queue holds is stored first (the taxii handle it
	 * stores POSTs through, and the poll bridge, go after it) */
	hl_stixshare_q_free(d->stixq);
	d->stixq = NULL;
	free_poll(d);
	hl_http_free(d->http);
	d->http = NULL;
	hl_taxii_free(d->taxii);
	if (d->narr_tick != NULL)
		event_free(d->narr_tick);
	d->narr_tick = NULL;
	hl_narr_free(d->narr);
	d->narr = NULL;
	if (d->node != NULL) {
		/* (a subscriber that is not there is no error) */
		hl_node_unsubscribe(d->node, hl_console_event, d->console);
		hl_node_unsubscribe(d->node, on_event_stix, d->stixq);
		hl_node_unsubscribe(d->node, on_event_track, &d->tracks);
	}
	if (d->tracks.stale != NULL)
		event_free(d->tracks.stale);
	if (d->tracks.tick != NULL) {
		track_finish(&d->tracks);
		event_free(d->tracks.tick);
	}
	hl_takout_free(d->takout);
	hl_console_free(d->console);
	hl_api_free(d->api);
	hl_auth_free(d->auth);
	hl_node_free(d->node);
	memset(d, 0, sizeof(*d));
}

int
main(int argc, char **argv)
{
	struct privsep ps = { .keeper_pid = -1, .fd = -1 };
	struct hl_config *cfg = NULL;
	struct event_base *base = NULL;
	struct event *sigint = NULL, *sigterm = NULL, *sigchld = NULL, *sighup = NULL;
	struct reload rl;
	struct daemon d;
	const char *conf = getenv("HOTLINE_CONF");
	char err[512];
	int ch, check = 0, verbose = 0, rc = 1;

	memset(&d, 0, sizeof(d));
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("hotlined %s\n", HL_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	while ((ch = getopt(argc, argv, "c:dnh")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': verbose = 1; break;
		case 'n': check = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || conf == NULL) {
		usage(stderr);
		return 2;
	}
	hl_log_init("hotlined", verbose);
	if ((cfg = hl_calloc(1, sizeof(*cfg))) == NULL) {
		fprintf(stderr, "hotlined: out of memory\n");
		return 1;
	}
	if (hl_config_load(conf, cfg, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (cfg->suite == HL_SUITE_X25519)
		log_warnx("%s: suite x25519 (classical only) chosen by allow_classical_suite: "
		    "new envelopes are not protected against harvest-now-decrypt-later", conf);
	/* the key files' seal key, before the keeper forks (it keeps it) */
	if (cfg->seal_key[0] != '\0' && hl_seal_kek_load(cfg->seal_key, err, sizeof(err)) !=
	    HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	if (check) {
		/* the secret files as the real start checks them: mode and owner */
		if (cfg->privsep && privsep_check(&ps, cfg, err, sizeof(err)) != HL_OK) {
			fprintf(stderr, "hotlined: %s\n", err);
			goto out;
		}
		printf("%s: configuration OK (node %s, %u peers)\n", conf, cfg->node, cfg->npeers);
		rc = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (cfg->privsep && privsep_start(&ps, cfg, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	if (!cfg->privsep)
		log_warnx("privsep = no: the network process holds the private keys");
	if ((base = event_base_new()) == NULL) {
		log_warnx("cannot create event loop");
		goto out;
	}
	ps.base = base;
	sigchld = evsignal_new(base, SIGCHLD, on_sigchld, &ps);
	if (sigchld == NULL || evsignal_add(sigchld, NULL) != 0) {
		log_warnx("cannot install signal handlers");
		goto out;
	}
	if (compose(cfg, base, &d, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	/* every TLS key is loaded: the network process forgets the seal key
	 * (without privsep it is the keeper too, and seals new KEM keys) */
	if (ps.on)
		hl_seal_kek_wipe();
	if (ps.on && privsep_drop_net(&ps, cfg, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	if (cfg->sandbox && hl_sandbox_network(err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	rl.conf = conf;
	rl.node = d.node;
	rl.http = d.http;
	sighup = evsignal_new(base, SIGHUP, on_sighup, &rl);
	if (sighup == NULL || evsignal_add(sighup, NULL) != 0) {
		log_warnx("cannot install signal handlers");
		goto out;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) != 0 ||
	    evsignal_add(sigterm, NULL) != 0) {
		log_warnx("cannot install signal handlers");
		goto out;
	}
	log_info("node %s running: peers on %s:%u, operator API on https://%s:%u/",
	    cfg->node, cfg->listen_host, cfg->listen_port, cfg->api_host, cfg->api_port);
	event_base_dispatch(base);
	if (ps.keeper_died) {
		/* no clean shutdown without the keys: systemd restarts us */
		log_warnx("node %s stopped: the key keeper is gone", cfg->node);
		goto out;
	}
	stop_poll(&d);
	/* the STIX work queued, done to its end while the HTTP server can
	 * still answer the POSTs it belongs to */
	if (hl_stixshare_q_finish(d.stixq) > 0)
		log_info("STIX work queued at the stop: stored");
	hl_node_shutdown(d.node);
	rc = 0;
out:
	if (sighup != NULL)
		event_free(sighup);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigchld != NULL)
		event_free(sigchld);
	decompose(&d);
	if (base != NULL)
		event_base_free(base);
	if (ps.fd != -1)
		close(ps.fd);          /* the keeper sees EOF and exits */
	if (ps.keeper_pid > 0)
		(void)waitpid(ps.keeper_pid, NULL, 0);
	hl_seal_kek_wipe();
	hl_free(cfg);
	return rc;
}
