/* test_config.c: hotline.conf(5) parsing (config.h). Every error case checks
 * the exact "name:line: message" text, so line numbers are asserted. */
#include <sys/stat.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "config.h"
#include "pki.h"

#define HASH "$scrypt$ln=10,r=8,p=1$Mxtp23+0vZZdefzMnvOlrg==$" \
    "fz1/qYSajZLjVqjEciHZGx82LAeeL5Fd1T29mIthM/o="
#define PIN0 "0000000000000000000000000000000000000000000000000000000000000000"
#define PIN1 "00112233445566778899aabbccddeeffFFEEDDCCBBAA99887766554433221100"

static const char full_conf[] =
    "# hotline test config\n"                          /* 1 */
    "[node]\n"
    "name = JPN/tokyo-1\n"
    "listen = 0.0.0.0:7401\n"
    "api = 127.0.0.1:8401\n"                           /* 5 */
    "data = data\n"
    "certificate = node.crt\n"
    "key = node.key\n"
    "ca = /etc/hotline/ca.crt\n"
    "suite = x25519-mlkem768\n"                        /* 10 */
    "allow_classical_suite = yes\n"
    "heartbeat = 500ms\n"
    "dead_after = 3s\n"
    "reconnect_max = 1m\n"
    "envelope_ttl = 2d\n"                              /* 15 */
    "kem_rotate = 12h\n"
    "\n"
    "[peer KOR/seoul-1]\n"
    "address = [::1]:7402\n"
    "ca = ../KOR/ca.crt\n"                             /* 20 */
    "ca_sha256 = " PIN1 "\n"
    "accreditation = confidential\n"
    "\n"
    "[ peer   NATO/brussels-1 ]   ; comment after a header\n"
    "address = hotline.nato.example:7403\n"            /* 25 */
    "ca = nato-ca.crt\n"
    "ca_sha256 = " PIN0 "\n"
    "accreditation = SECRET\n"
    "\n"
    "[operator alice]\n"                               /* 30 */
    "role = officer\n"
    "clearance = SECRET\n"
    "nationality = JPN\n"
    "password = " HASH "\n"
    "\n"                                               /* 35 */
    "[operator bob]\n"
    "  role = analyst\n"
    "\tclearance = RESTRICTED\n"
    "nationality = JPN\n"
    "password = " HASH " ; inline comment\n"          /* 40 */
    "disabled = yes\n"
    "\n"
    "[cli]\n"
    "user = alice\n"
    "password_file = alice.pw\n"                       /* 45 */
    "\n"
    "[policy]\n"
    "id = jp-policy\n"
    "levels = UNCLASSIFIED, RESTRICTED,CONFIDENTIAL , SECRET,TOP-SECRET\n";

static const char min_conf[] =
    "[node]\n"                                         /* 1 */
    "name = JPN/node-1\n"
    "listen = 127.0.0.1:7401\n"
    "api = 127.0.0.1:8401\n"
    "data = data\n"                                    /* 5 */
    "certificate = node.crt\n"
    "key = node.key\n"
    "ca = ca.crt\n";                                   /* 8 */

#define PEER_KOR "[peer KOR/node-1]\naddress = 127.0.0.1:7402\nca = kor.crt\n" \
    "ca_sha256 = " PIN0 "\naccreditation = SECRET\n"

static struct hl_config *cfg;

static int
setup(void **state)
{
	(void)state;
	cfg = hl_calloc(1, sizeof(*cfg));
	return cfg == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	hl_free(cfg);
	return 0;
}

static int
parse(const char *text, char *err, size_t errlen)
{
	return hl_config_parse((const uint8_t *)text, strlen(text), "t.conf",
	    "/srv/jpn", cfg, err, errlen);
}

/* min_conf + extra must fail with exactly want. */
static void
expect_err_text(const char *text, const char *want)
{
	char err[512];
	int r;

	r = parse(text, err, sizeof(err));
	if (r != HL_ERR_CONFIG || strcmp(err, want) != 0)
		print_error("want: %s\n got: %s (%d)\n", want, err, r);
	assert_int_equal(r, HL_ERR_CONFIG);
	assert_string_equal(err, want);
	assert_int_equal(cfg->npeers, 0);
	assert_string_equal(cfg->node, "");
}

static void
expect_err(const char *extra, const char *want)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", min_conf, extra);
	expect_err_text(text, want);
}

static void
test_full(void **state)
{
	char err[512] = "";
	const struct hl_peer_conf *p;
	const struct hl_operator_conf *o;

	(void)state;
	assert_int_equal(parse(full_conf, err, sizeof(err)), HL_OK);
	assert_string_equal(err, "");
	assert_string_equal(cfg->path, "t.conf");
	assert_string_equal(cfg->node, "JPN/tokyo-1");
	assert_string_equal(cfg->partner, "JPN");
	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 7401);
	assert_string_equal(cfg->api_host, "127.0.0.1");
	assert_int_equal(cfg->api_port, 8401);
	assert_string_equal(cfg->data_dir, "/srv/jpn/data");
	assert_string_equal(cfg->cert_path, "/srv/jpn/node.crt");
	assert_string_equal(cfg->key_path, "/srv/jpn/node.key");
	assert_string_equal(cfg->ca_path, "/etc/hotline/ca.crt");
	assert_int_equal(cfg->suite, 2);
	assert_int_equal(cfg->allow_classical, 1);
	assert_int_equal(cfg->heartbeat_ms, 500);
	assert_int_equal(cfg->dead_after_ms, 3000);
	assert_int_equal(cfg->reconnect_max_ms, 60000);
	assert_int_equal(cfg->default_ttl_s, 2 * 86400);
	assert_int_equal(cfg->kem_rotate_s, 12 * 3600);
	assert_string_equal(cfg->policy.id, "jp-policy");
	assert_int_equal(cfg->policy.nlevels, 5);
	assert_string_equal(cfg->policy.levels[0], "UNCLASSIFIED");
	assert_string_equal(cfg->policy.levels[2], "CONFIDENTIAL");
	assert_string_equal(cfg->policy.levels[4], "TOP-SECRET");

	assert_int_equal(cfg->npeers, 2);
	p = hl_config_peer(cfg, "KOR/seoul-1");
	assert_non_null(p);
	assert_string_equal(p->partner, "KOR");
	assert_string_equal(p->host, "::1");
	assert_int_equal(p->port, 7402);
	assert_string_equal(p->ca_path, "/srv/jpn/../KOR/ca.crt");
	assert_int_equal(p->ca_sha256[0], 0x00);
	assert_int_equal(p->ca_sha256[1], 0x11);
	assert_int_equal(p->ca_sha256[16], 0xff);
	assert_int_equal(p->ca_sha256[31], 0x00);
	assert_int_equal(p->accreditation, 2);   /* case-insensitive level */
	assert_int_equal(p->line, 18);
	p = hl_config_peer(cfg, "NATO/brussels-1");
	assert_non_null(p);
	assert_string_equal(p->partner, "NATO");
	assert_string_equal(p->host, "hotline.nato.example");
	assert_int_equal(p->port, 7403);
	assert_string_equal(p->ca_path, "/srv/jpn/nato-ca.crt");
	assert_int_equal(p->accreditation, 3);
	assert_int_equal(p->line, 24);
	assert_null(hl_config_peer(cfg, "USA/node-1"));

	assert_int_equal(cfg->noperators, 2);
	o = hl_config_operator(cfg, "alice");
	assert_non_null(o);
	assert_int_equal(o->role, HL_ROLE_OFFICER);
	assert_int_equal(o->clearance, 3);
	assert_string_equal(o->nationality, "JPN");
	assert_string_equal(o->password_hash, HASH);
	assert_int_equal(o->disabled, 0);
	o = hl_config_operator(cfg, "bob");
	assert_non_null(o);
	assert_int_equal(o->role, HL_ROLE_ANALYST);
	assert_int_equal(o->clearance, 1);
	assert_string_equal(o->password_hash, HASH);   /* comment stripped */
	assert_int_equal(o->disabled, 1);
	assert_null(hl_config_operator(cfg, "carol"));

	assert_string_equal(cfg->cli_user, "alice");
	assert_string_equal(cfg->cli_password_file, "/srv/jpn/alice.pw");
}

static void
test_defaults(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse(min_conf, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->suite, 2);   /* x25519-mlkem768 */
	assert_int_equal(cfg->allow_classical, 0);
	assert_int_equal(cfg->kem_keep_s, 7 * 86400);
	assert_true(cfg->narrative_threshold == 0.25);
	assert_int_equal(cfg->heartbeat_ms, 1000);
	assert_int_equal(cfg->dead_after_ms, 5000);
	assert_int_equal(cfg->reconnect_max_ms, 30000);
	assert_int_equal(cfg->default_ttl_s, 7 * 86400);
	assert_int_equal(cfg->kem_rotate_s, 86400);
	assert_string_equal(cfg->policy.id, "hotline-default");
	assert_int_equal(cfg->policy.nlevels, 4);
	assert_string_equal(cfg->policy.levels[3], "SECRET");
	assert_int_equal(cfg->npeers, 0);
	assert_int_equal(cfg->noperators, 0);
	assert_string_equal(cfg->cli_user, "");
	assert_int_equal(cfg->require_totp, 0);   /* require_totp = none */
}

/* require_totp: the roles, and a configured account of such a role
 * without totp_secret_file is refused at start */
static void
test_require_totp(void **state)
{
	char err[512], text[2048];

	(void)state;
	snprintf(text, sizeof(text), "%srequire_totp = officer, admin\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->require_totp, HL_ROLE_BIT(HL_ROLE_OFFICER) |
	    HL_ROLE_BIT(HL_ROLE_ADMIN));
	snprintf(text, sizeof(text), "%srequire_totp = all\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->require_totp, HL_REQUIRE_TOTP_ALL);
	expect_err("require_totp = admin\n[operator ann]\nrole = admin\nclearance = SECRET\n"
	    "nationality = JPN\npassword = " HASH "\n", "t.conf:10: [operator ann]: require_totp "
	    "covers the admin role: set totp_secret_file (see hotline.conf(5))");
	/* an officer is not covered by "admin"; with the file key it parses */
	snprintf(text, sizeof(text), "%srequire_totp = admin\n[operator ann]\nrole = officer\n"
	    "clearance = SECRET\nnationality = JPN\npassword = " HASH "\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	snprintf(text, sizeof(text), "%srequire_totp = admin\n[operator ann]\nrole = admin\n"
	    "clearance = SECRET\nnationality = JPN\npassword = " HASH "\n"
	    "totp_secret_file = ann.totp\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_true(cfg->operators[0].totp_key_len == 0);   /* read by hl_config_load */
}

static void
test_no_basedir(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(hl_config_parse((const uint8_t *)min_conf, strlen(min_conf),
	    "x.conf", NULL, cfg, err, sizeof(err)), HL_OK);
	assert_string_equal(cfg->cert_path, "node.crt");
	assert_string_equal(cfg->path, "x.conf");
}

static void
test_crlf_bom_and_order(void **state)
{
	char err[512];
	const char *text =
	    "\xef\xbb\xbf; BOM, CRLF, policy after its users, indented keys\r\n"
	    "[peer KOR/node-1]\r\n"
	    "   address = kor.example:7402\r\n"
	    "   ca = /abs/kor.crt\r\n"
	    "   ca_sha256 = " PIN0 "\r\n"
	    "   accreditation = HIGH\r\n"
	    "[node]\r\n"
	    "name = JPN/node-1\r\n"
	    "listen = 127.0.0.1:7401\r\n"
	    "api = [2001:db8::1]:8401\r\n"
	    "data = d\r\n"
	    "certificate = c\r\n"
	    "key = k\r\n"
	    "ca = a\r\n"
	    "[policy]\r\n"
	    "levels = LOW,HIGH\r\n";

	(void)state;
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->npeers, 1);
	assert_int_equal(cfg->peers[0].accreditation, 1);
	assert_string_equal(cfg->peers[0].ca_path, "/abs/kor.crt");
	assert_string_equal(cfg->peers[0].host, "kor.example");
	assert_string_equal(cfg->api_host, "2001:db8::1");
	assert_string_equal(cfg->policy.id, "hotline-default");
	assert_string_equal(cfg->data_dir, "/srv/jpn/d");
}

static void
test_long_names(void **state)
{
	/* A 64-byte node name in a section header: longer than inih's own
	 * 50-byte section buffer, so this checks we track sections ourselves. */
	char text[2048], node[HL_NODE_NAME_MAX + 1], err[512];

	(void)state;
	memset(node, 'n', sizeof(node));
	memcpy(node, "KOR/", 4);
	node[HL_NODE_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "%s[peer %s]\naddress = 127.0.0.1:7402\n"
	    "ca = kor.crt\nca_sha256 = " PIN0 "\naccreditation = SECRET\n",
	    min_conf, node);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_non_null(hl_config_peer(cfg, node));
	/* one more byte is refused */
	snprintf(text, sizeof(text), "%s[peer %sn]\n", min_conf, node);
	assert_int_equal(parse(text, err, sizeof(err)), HL_ERR_CONFIG);
	assert_string_equal(err, "t.conf:9: section name too long");
}

static void
test_line_limits(void **state)
{
	char text[4096], line[512], want[128];
	size_t max = 197;   /* Debian inih: ini_max_line 200 - 3 */

	(void)state;
	/* a comment line of exactly the maximum is fine */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[max] = '\0';
	snprintf(text, sizeof(text), "%s%s\n", min_conf, line);
	assert_int_equal(parse(text, want, sizeof(want)), HL_OK);
	/* one byte more is refused with the line number, not split by inih */
	line[max] = 'x';
	line[max + 1] = '\0';
	snprintf(text, sizeof(text), "%s%s\n", min_conf, line);
	snprintf(want, sizeof(want), "t.conf:9: line too long (max %zu bytes)", max);
	expect_err_text(text, want);
	/* a long value: would have become "key = <198 bytes>" + a bogus line */
	memset(line, 'a', sizeof(line));
	line[300] = '\0';
	snprintf(text, sizeof(text), "[node]\ndata = %s\n", line);
	snprintf(want, sizeof(want), "t.conf:2: line too long (max %zu bytes)", max);
	expect_err_text(text, want);
	/* the last line without a newline is still checked */
	snprintf(text, sizeof(text), "%s#%s", min_conf, line);
	snprintf(want, sizeof(want), "t.conf:9: line too long (max %zu bytes)", max);
	expect_err_text(text, want);
}

static void
test_nul_oversize(void **state)
{
	char text[512], err[256];
	uint8_t *big;
	size_t n = strlen(min_conf);

	(void)state;
	memcpy(text, min_conf, n);
	memcpy(text + n, "# x\0y\n", 6);
	assert_int_equal(hl_config_parse((const uint8_t *)text, n + 6, "t.conf", NULL,
	    cfg, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_string_equal(err, "t.conf:9: NUL byte in configuration");
	assert_string_equal(cfg->node, "");

	big = hl_malloc(HL_CONFIG_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, '\n', HL_CONFIG_MAX_BYTES + 1);
	memcpy(big, min_conf, n);
	assert_int_equal(hl_config_parse(big, HL_CONFIG_MAX_BYTES, "t.conf", NULL,
	    cfg, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_config_parse(big, HL_CONFIG_MAX_BYTES + 1, "t.conf", NULL,
	    cfg, err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_string_equal(err, "t.conf: file too large (262145 bytes, max 262144)");
	hl_free(big);

	/* empty input: no [node] */
	assert_int_equal(hl_config_parse((const uint8_t *)"", 0, "t.conf", NULL,
	    cfg, err, sizeof(err)), HL_ERR_CONFIG);
	assert_string_equal(err, "t.conf: missing section [node]");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_err("bogus = 1\n", "t.conf:9: unknown key 'bogus' in [node]");
	expect_err("listen = 127.0.0.1:7402\n",
	    "t.conf:9: duplicate key 'listen' in [node] (first at line 3)");
	expect_err("[nod]\nx = 1\n", "t.conf:9: unknown section [nod]");
	expect_err("[nod]\n", "t.conf:9: unknown section [nod]");   /* even empty */
	expect_err("[node]\n", "t.conf:9: duplicate section [node] (first at line 1)");
	expect_err("[node x]\n", "t.conf:9: section [node] takes no name");
	expect_err("[policy\n", "t.conf:9: unterminated section header");
	expect_err("[policy] id = x\n", "t.conf:9: text after section header");
	expect_err("[]\n", "t.conf:9: unknown section []");
	expect_err("data: x\n",
	    "t.conf:9: expected 'key = value', a [section] or a comment");
	expect_err("just words\n",
	    "t.conf:9: expected 'key = value', a [section] or a comment");
	expect_err("= value\n",
	    "t.conf:9: expected 'key = value', a [section] or a comment");
	expect_err("x ; = 1\n",
	    "t.conf:9: expected 'key = value', a [section] or a comment");
	expect_err("# ok\nfoo\x01 = 1\n", "t.conf:10: control character 0x01 in line");
	expect_err("heartbeat = 1s\x7f\n", "t.conf:9: control character 0x7f in line");
	expect_err_text("name = JPN/x\n[node]\n",
	    "t.conf:1: key 'name' outside any section");
	/* inih would treat an indented line as a continuation of the previous
	 * value; we strip the indent, so it must stand on its own */
	expect_err("    more text\n",
	    "t.conf:9: expected 'key = value', a [section] or a comment");
	expect_err("[cli]\nuser = x\npassword_file = y\nuser = z\n",
	    "t.conf:12: duplicate key 'user' in [cli] (first at line 10)");
	expect_err("[peer KOR/node-1]\nport = 1\n",
	    "t.conf:10: unknown key 'port' in [peer KOR/node-1]");
	expect_err("[operator ann]\nrole = admin\nrole = admin\n",
	    "t.conf:11: duplicate key 'role' in [operator ann] (first at line 10)");
}

static void
test_missing(void **state)
{
	(void)state;
	expect_err_text("[node]\nname = JPN/n\nlisten = 127.0.0.1:1\n",
	    "t.conf:1: missing key 'api' in [node]");
	expect_err_text("# nothing\n[policy]\n", "t.conf: missing section [node]");
	expect_err("\n[peer KOR/node-1]\naddress = 127.0.0.1:7402\nca = k.crt\n"
	    "accreditation = SECRET\n",
	    "t.conf:10: missing key 'ca_sha256' in [peer KOR/node-1]");
	expect_err("[peer KOR/node-1]\n",
	    "t.conf:9: missing key 'address' in [peer KOR/node-1]");
	expect_err("[operator ann]\nrole = admin\nclearance = SECRET\nnationality = JPN\n",
	    "t.conf:9: missing key 'password' in [operator ann]");
	expect_err("[cli]\nuser = ann\n",
	    "t.conf:9: missing key 'password_file' (or certificate and key) in [cli] (user is set)");
	expect_err("[cli]\nuser = ann\ncertificate = a.crt\n",
	    "t.conf:11: [cli] certificate and key go together: set both or neither");
	expect_err("[cli]\nuser = ann\nkey = a.key\n",
	    "t.conf:11: [cli] certificate and key go together: set both or neither");
}

/* [sensor NAME] (docs/DETECTION.md), sightings_to and correlation_window */
static void
test_sensors(void **state)
{
	char text[4096], err[512];

	(void)state;
	snprintf(text, sizeof(text), "%s%s", min_conf,
	    "correlation_window = 30m\n"                    /* 9 */
	    "[collection intel]\n"
	    "sightings_to = members\n"
	    "[collection ops]\n"
	    "[sensor edge]\n"
	    "format = suricata-eve\n"
	    "path = eve.json\n"                             /* 15 */
	    "collections = intel, ops\n"
	    "[sensor zeek]\n"
	    "format = zeek-json\n"
	    "path = /var/log/zeek/conn.json\n"
	    "collections = ops\n"                           /* 20 */
	    "sighting_window = 1m\n");
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->correlation_window_s, 1800);
	assert_int_equal(cfg->collections[0].sightings_to_members, 1);
	assert_int_equal(cfg->collections[1].sightings_to_members, 0);
	assert_int_equal(cfg->nsensors, 2);
	assert_string_equal(cfg->sensors[0].name, "edge");
	assert_int_equal(cfg->sensors[0].format, 1);
	assert_string_equal(cfg->sensors[0].path, "/srv/jpn/eve.json");
	assert_int_equal(cfg->sensors[0].ncollections, 2);
	assert_string_equal(cfg->sensors[0].collections[1], "ops");
	assert_int_equal(cfg->sensors[0].sighting_window_s, 10);
	assert_int_equal(cfg->sensors[1].format, 2);
	assert_int_equal(cfg->sensors[1].sighting_window_s, 60);
	/* defaults */
	assert_int_equal(parse(min_conf, err, sizeof(err)), HL_OK);
	assert_int_equal(cfg->correlation_window_s, 3600);
	assert_int_equal(cfg->nsensors, 0);
	expect_err("[sensor a]\nformat = snort\n", "t.conf:10: format: expected suricata-eve, "
	    "zeek-json or tshark-ek, got 'snort'");
	expect_err("[sensor a]\nformat = zeek-json\npath = x\n",
	    "t.conf:9: missing key 'collections' in [sensor a]");
	expect_err("[sensor a]\nformat = zeek-json\npath = x\ncollections = intel\n",
	    "t.conf:12: [sensor a]: collections: 'intel' is not a [collection] of this node");
	expect_err("[sensor a]\ncollections = a,,b\n",
	    "t.conf:10: collections: expected 1..32 comma-separated [collection] names");
	expect_err("[sensor a]\nsighting_window = 500ms\n",
	    "t.conf:10: sighting_window: out of range (1000ms..86400000ms)");
	expect_err("[collection c]\n[sensor a]\nformat = zeek-json\npath = x\ncollections = c\n"
	    "[sensor b]\nformat = tshark-ek\npath = x\ncollections = c\n",
	    "t.conf:16: [sensor b]: path: [sensor a] follows the same file");
	expect_err("[sensor a]\n[sensor a]\n",
	    "t.conf:10: duplicate section [sensor a] (first at line 9)");
	expect_err("[collection c]\nsightings_to = all\n", "t.conf:10: sightings_to: expected "
	    "origin (the indicator's originating partner only) or members");
	expect_err("correlation_window = 0\n",
	    "t.conf:9: correlation_window: out of range (1000ms..604800000ms)");
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_err_text("[node]\nlisten = 127.0.0.1\n",
	    "t.conf:2: listen: expected host:port");
	expect_err_text("[node]\nlisten = 127.0.0.1:0\n",
	    "t.conf:2: listen: expected host:port");
	expect_err_text("[node]\napi = 127.0.0.1:65536\n",
	    "t.conf:2: api: expected host:port");
	expect_err_text("[node]\napi = ::1:80\n", "t.conf:2: api: expected host:port");
	expect_err_text("[node]\nname = jpn/node-1\n",
	    "t.conf:2: name: expected PARTNER/name (partner 2..8 of A-Z 0-9, name of "
	    "A-Z a-z 0-9 . _ -, at most 64 bytes)");
	expect_err_text("[node]\nsuite = rsa\n",
	    "t.conf:2: suite: expected x25519, x25519-mlkem768 or x25519-mlkem1024");
	expect_err_text("[node]\nname = JPN/node-1\nlisten = 127.0.0.1:7401\n"
	    "api = 127.0.0.1:8401\ndata = data\ncertificate = node.crt\nkey = node.key\n"
	    "ca = ca.crt\nsuite = x25519\n",
	    "t.conf:9: suite x25519 is classical only (no protection against "
	    "harvest-now-decrypt-later); set allow_classical_suite = yes to choose it anyway");
	expect_err_text("[node]\nallow_classical_suite = true\n",
	    "t.conf:2: allow_classical_suite: expected yes or no");
	expect_err_text("[node]\nheartbeat = 1 s\n",
	    "t.conf:2: heartbeat: expected a duration like 500ms, 5s, 10m, 3h or 7d");
	expect_err_text("[node]\nheartbeat = 1w\n",
	    "t.conf:2: heartbeat: expected a duration like 500ms, 5s, 10m, 3h or 7d");
	expect_err_text("[node]\nheartbeat = -1s\n",
	    "t.conf:2: heartbeat: expected a duration like 500ms, 5s, 10m, 3h or 7d");
	expect_err_text("[node]\nheartbeat = 0\n",
	    "t.conf:2: heartbeat: out of range (10ms..3600000ms)");
	expect_err_text("[node]\nenvelope_ttl = 1500ms\n",
	    "t.conf:2: envelope_ttl: must be whole seconds");
	expect_err_text("[node]\ndata =\n", "t.conf:2: data: expected a path");
	expect_err("heartbeat = 5s\n",
	    "t.conf:9: dead_after (5000ms) must be longer than heartbeat (5000ms)");
	expect_err("[policy]\nlevels = A,,B\n",
	    "t.conf:10: levels: expected a comma-separated list of level names, "
	    "lowest first");
	expect_err("[policy]\nlevels = A,B,a\n", "t.conf:10: levels: level 'a' listed twice");
	expect_err("[policy]\nlevels = 1,2,3,4,5,6,7,8,9\n",
	    "t.conf:10: levels: too many levels (max 8)");
	expect_err("[policy]\nid = a policy\n",
	    "t.conf:10: id: expected 1..32 characters of A-Z a-z 0-9 . _ -");
	expect_err("[peer kor]\n",
	    "t.conf:9: [peer NODE]: expected a node name PARTNER/name, got 'kor'");
	expect_err("[peer KOR/a]\nca_sha256 = " PIN0 "0\n",
	    "t.conf:10: ca_sha256: expected 64 hex digits (SHA-256 of the CA "
	    "certificate DER)");
	expect_err("[peer KOR/a]\nca_sha256 = g" PIN0 "\n",
	    "t.conf:10: ca_sha256: expected 64 hex digits (SHA-256 of the CA "
	    "certificate DER)");
	expect_err("[operator a]\nrole = root\n",
	    "t.conf:10: role: expected officer, analyst or admin");
	expect_err("[operator a]\nnationality = jp\n",
	    "t.conf:10: nationality: expected a partner code (2..8 of A-Z 0-9)");
	expect_err("[operator a]\npassword = hunter2\n",
	    "t.conf:10: password: expected a scrypt hash \"$scrypt$ln=N,r=R,p=P$salt$hash\" "
	    "(see hotline operator add)");
	expect_err("[operator a]\ndisabled = 1\n", "t.conf:10: disabled: expected yes or no");
	expect_err("require_totp = root\n", "t.conf:9: require_totp: expected none, all or a "
	    "list of officer, analyst, admin (each once)");
	expect_err("require_totp = admin, admin\n", "t.conf:9: require_totp: expected none, all "
	    "or a list of officer, analyst, admin (each once)");
	expect_err("require_totp = admin,\n", "t.conf:9: require_totp: expected none, all "
	    "or a list of officer, analyst, admin (each once)");
	expect_err("[operator bad name]\n",
	    "t.conf:9: [operator NAME]: expected 1..64 characters of A-Z a-z 0-9 . _ -");
	expect_err("narrative_threshold = 0\n", "t.conf:9: narrative_threshold: expected a "
	    "number above 0, at most 1, got '0'");
	expect_err("narrative_threshold = 1.5\n", "t.conf:9: narrative_threshold: expected a "
	    "number above 0, at most 1, got '1.5'");
	expect_err("narrative_threshold = nan\n", "t.conf:9: narrative_threshold: expected a "
	    "number above 0, at most 1, got 'nan'");
	expect_err("track_alert_confidence = -0.1\n", "t.conf:9: track_alert_confidence: "
	    "expected a number from 0 to 1, got '-0.1'");
}

static void
test_policy_rules(void **state)
{
	(void)state;
	/* unknown level (also: a level above the policy's top) */
	expect_err(PEER_KOR "[policy]\nlevels = LOW,HIGH\n",
	    "t.conf:13: accreditation: 'SECRET' is not a level of policy "
	    "hotline-default (LOW, HIGH)");
	expect_err("[peer KOR/node-1]\naddress = 127.0.0.1:7402\nca = k\nca_sha256 = "
	    PIN0 "\naccreditation = TOP-SECRET\n",
	    "t.conf:13: accreditation: 'TOP-SECRET' is not a level of policy "
	    "hotline-default (UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET)");
	expect_err("[operator a]\nrole = admin\nclearance = TOPSECRET\nnationality = JPN\n"
	    "password = " HASH "\n",
	    "t.conf:11: clearance: 'TOPSECRET' is not a level of policy "
	    "hotline-default (UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET)");
	/* our own node as a peer */
	expect_err("[peer JPN/node-1]\naddress = 127.0.0.1:7402\nca = k\nca_sha256 = "
	    PIN0 "\naccreditation = SECRET\n",
	    "t.conf:9: [peer JPN/node-1] is this node itself");
	/* two sections for one peer */
	expect_err(PEER_KOR PEER_KOR,
	    "t.conf:14: duplicate section [peer KOR/node-1] (first at line 9)");
	/* two peers on one address */
	expect_err(PEER_KOR "[peer KOR/node-2]\naddress = 127.0.0.1:7402\nca = k\n"
	    "ca_sha256 = " PIN0 "\naccreditation = SECRET\n",
	    "t.conf:14: [peer KOR/node-2] has the same address as [peer KOR/node-1]");
	expect_err("[operator a]\n[operator a]\n",
	    "t.conf:10: duplicate section [operator a] (first at line 9)");
}

static void
test_duration(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(hl_parse_duration_ms("500ms", &v), HL_OK);
	assert_int_equal(v, 500);
	assert_int_equal(hl_parse_duration_ms("5s", &v), HL_OK);
	assert_int_equal(v, 5000);
	assert_int_equal(hl_parse_duration_ms("5", &v), HL_OK);
	assert_int_equal(v, 5000);
	assert_int_equal(hl_parse_duration_ms("10m", &v), HL_OK);
	assert_int_equal(v, 600000);
	assert_int_equal(hl_parse_duration_ms("3h", &v), HL_OK);
	assert_int_equal(v, 3 * 3600000ull);
	assert_int_equal(hl_parse_duration_ms("7d", &v), HL_OK);
	assert_int_equal(v, 7 * 86400000ull);
	assert_int_equal(hl_parse_duration_ms("0", &v), HL_OK);
	assert_int_equal(v, 0);
	assert_int_equal(hl_parse_duration_ms("", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("s", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("1.5s", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("5 s", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms(" 5s", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("+5s", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("5S", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("5sec", &v), HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("18446744073709551615ms", &v), HL_OK);
	assert_int_equal(hl_parse_duration_ms("18446744073709551616ms", &v),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_parse_duration_ms("213503982334601d", &v), HL_ERR_MALFORMED);
	assert_int_equal(v, 0);
}

static void
test_hostport(void **state)
{
	char h[HL_HOST_MAX + 1], longname[400];
	uint16_t port;

	(void)state;
	assert_int_equal(hl_parse_hostport("127.0.0.1:7401", h, &port), HL_OK);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(port, 7401);
	assert_int_equal(hl_parse_hostport("[::1]:1", h, &port), HL_OK);
	assert_string_equal(h, "::1");
	assert_int_equal(port, 1);
	assert_int_equal(hl_parse_hostport("node-1.jpn.example:65535", h, &port), HL_OK);
	assert_string_equal(h, "node-1.jpn.example");
	assert_int_equal(port, 65535);
	assert_int_equal(hl_parse_hostport("localhost:80", h, &port), HL_OK);
	static const char *const bad[] = {
		"", ":80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:080", "127.0.0.1:+80", "127.0.0.1:8a", "127.0.0.1:123456",
		"::1:80", "[::1]80", "[::1:80", "[]:80", "[zz::1]:80", "[127.0.0.1]:80",
		"999.1.1.1:80", "1.2.3:80", "-host:80", "host-:80", "ho_st:80",
		"a..b:80", ".a:80", "a.:80", "a b:80", "host:80:81", "1234:80",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hl_parse_hostport(bad[i], h, &port) != HL_ERR_MALFORMED)
			print_error("accepted: '%s'\n", bad[i]);
		assert_int_equal(hl_parse_hostport(bad[i], h, &port), HL_ERR_MALFORMED);
		assert_string_equal(h, "");
		assert_int_equal(port, 0);
	}
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + 300, ":80", 4);
	assert_int_equal(hl_parse_hostport(longname, h, &port), HL_ERR_MALFORMED);
	/* a 64-character label is too long */
	memset(longname, 'a', 64);
	memcpy(longname + 64, ":80", 4);
	assert_int_equal(hl_parse_hostport(longname, h, &port), HL_ERR_MALFORMED);
	memcpy(longname + 63, ":80", 4);
	assert_int_equal(hl_parse_hostport(longname, h, &port), HL_OK);
}

/* [group NAME] (releasability groups) and [tak NAME] (CoT out): values
 * kept, and each refusal names its line. */
static void
test_groups_and_tak(void **state)
{
	char text[4096], err[512];
	const struct hl_group *g;

	(void)state;
	snprintf(text, sizeof(text), "%s" PEER_KOR "[group IP4]\nmembers = nzl, JPN, KOR, AUS, JPN\n"
	    "[group NATO]\nmembers = USA, GBR\n"
	    "[tak watch]\nlisten = 127.0.0.1:8087\npartners = KOR, JPN\naccreditation = secret\n"
	    "exercise = no\nstale = 45s\n[collection pacific]\nmembers = IP4, USA\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	/* a collection's members: the group expanded, sorted */
	assert_int_equal(cfg->collections[0].nmembers, 5);
	assert_string_equal(cfg->collections[0].members[0], "AUS");
	assert_string_equal(cfg->collections[0].members[4], "USA");
	assert_int_equal(cfg->policy.ngroups, 2);
	assert_non_null(g = hl_policy_group(&cfg->policy, "IP4"));
	assert_int_equal(g->n, 4);   /* sorted, the duplicate once */
	assert_string_equal(g->members[0], "AUS");
	assert_string_equal(g->members[3], "NZL");
	assert_int_equal(cfg->ntak, 1);
	assert_int_equal(cfg->tak[0].npartners, 2);
	assert_string_equal(cfg->tak[0].partners[0], "JPN");
	assert_int_equal(cfg->tak[0].accreditation, 3);
	assert_int_equal(cfg->tak[0].exercise, 0);
	assert_int_equal(cfg->tak[0].stale_s, 45);
	assert_int_equal(cfg->tak[0].tls, 1);
	expect_err("[group IP4]\n", "t.conf:9: [group IP4]: missing key 'members'");
	expect_err("[group ip-4]\nmembers = JPN\n",
	    "t.conf:9: [group NAME]: expected a name like a partner code (2..8 of A-Z 0-9), got 'ip-4'");
	expect_err("[group IP4]\nmembers = JPN, NATO-X\n",
	    "t.conf:10: members: expected 1..64 partner codes, comma-separated (not groups)");
	expect_err("[group JPN]\nmembers = KOR\n",
	    "t.conf:9: [group JPN]: JPN is this node's partner code");
	expect_err(PEER_KOR "[group KOR]\nmembers = USA\n",
	    "t.conf:14: [group KOR]: KOR is the partner code of [peer KOR/node-1]");
	expect_err("[group IP4]\nmembers = JPN\n[group IP4]\nmembers = KOR\n",
	    "t.conf:11: duplicate section [group IP4] (first at line 9)");
	expect_err("[tak x]\nlisten = 10.0.0.1:8087\npartners = JPN\naccreditation = SECRET\n",
	    "t.conf:10: [tak x]: listen serves CoT in the clear, so only on a loopback address "
	    "(127.0.0.1, ::1); use endpoint for TLS");
	expect_err("[tak x]\nendpoint = tak.example:8089\npartners = JPN\naccreditation = SECRET\n",
	    "t.conf:9: [tak x]: an endpoint over TLS needs ca, certificate and key");
	expect_err("[tak x]\npartners = JPN\naccreditation = SECRET\n",
	    "t.conf:9: [tak x]: set listen, endpoint or both");
	expect_err("[tak x]\nlisten = 127.0.0.1:1\npartners = JPN\n",
	    "t.conf:9: [tak x]: missing key 'accreditation'");
	expect_err("[tak x]\nlisten = 127.0.0.1:1\npartners = JPN\naccreditation = TOP\n",
	    "t.conf:12: accreditation: 'TOP' is not a level of policy hotline-default "
	    "(UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET)");
}

/* ---- hl_config_load with real files ---- */

/* Account lists ([collection] read / write): items trimmed, empty items
 * refused when parsed, "*" for everyone; hl_config_list_has reads them. */
static void
test_account_lists(void **state)
{
	char text[4096], err[512];
	const struct hl_collection_conf *c;

	(void)state;
	snprintf(text, sizeof(text), "%s[collection intel]\nread = alice , bob,carol\n"
	    "write = *\n", min_conf);
	assert_int_equal(parse(text, err, sizeof(err)), HL_OK);
	assert_non_null(c = hl_config_collection(cfg, "intel"));
	assert_true(hl_config_list_has(c->read, "alice"));
	assert_true(hl_config_list_has(c->read, "bob"));
	assert_true(hl_config_list_has(c->read, "carol"));
	assert_false(hl_config_list_has(c->read, "al"));
	assert_false(hl_config_list_has(c->read, "alice "));
	assert_false(hl_config_list_has(c->read, ""));
	assert_false(hl_config_list_has(c->read, NULL));
	assert_true(hl_config_list_has(c->write, "anyone"));
	assert_null(hl_config_collection(cfg, "other"));
	/* the lookup alone: trailing comma and blanks are harmless there */
	assert_true(hl_config_list_has("a,b,", "b"));
	assert_false(hl_config_list_has("a,,b", ""));
	assert_false(hl_config_list_has("", "a"));
	assert_false(hl_config_list_has(NULL, "a"));
	expect_err("[collection intel]\nread = alice,,bob\n",
	    "t.conf:10: read: expected * or comma-separated operator names");
	expect_err("[collection intel]\nread = alice,\n",
	    "t.conf:10: read: expected * or comma-separated operator names");
	expect_err("[collection intel]\nwrite = \n",
	    "t.conf:10: write: expected * or comma-separated operator names");
	expect_err("[collection intel]\nwrite = al/ice\n",
	    "t.conf:10: write: expected * or comma-separated operator names");
}

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
rm_rf(const char *dir)
{
	assert_int_equal(nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
hexpin(const uint8_t pin[HL_SHA256], char out[65])
{
	size_t i;

	for (i = 0; i < HL_SHA256; i++)
		snprintf(out + 2 * i, 3, "%02x", pin[i]);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/hl-config-XXXXXX", path[512], p2[512], text[2048];
	char err[1024], pinhex[65], want[1024], rdir[4096];
	uint8_t pin[HL_SHA256];
	int64_t now = 1700000000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(realpath(dir, rdir));
	/* our CA + node cert, and a KOR CA */
	snprintf(path, sizeof(path), "%s/jpn", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/kor", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/jpn", dir);
	assert_int_equal(hl_pki_make_ca(path, "JPN", 30, err, sizeof(err)), HL_OK);
	snprintf(path, sizeof(path), "%s/kor", dir);
	assert_int_equal(hl_pki_make_ca(path, "KOR", 30, err, sizeof(err)), HL_OK);
	snprintf(path, sizeof(path), "%s/jpn", dir);
	snprintf(p2, sizeof(p2), "%s/jpn/node.key", dir);
	snprintf(want, sizeof(want), "%s/jpn/node.crt", dir);
	assert_int_equal(hl_pki_issue_node(path, "JPN/node-1", now, now + 86400, p2,
	    want, err, sizeof(err)), HL_OK);
	snprintf(path, sizeof(path), "%s/kor/ca.crt", dir);
	assert_int_equal(hl_pki_cert_sha256(path, pin, err, sizeof(err)), HL_OK);
	hexpin(pin, pinhex);

	snprintf(text, sizeof(text), "%s" "[peer KOR/node-1]\naddress = 127.0.0.1:7402\n"
	    "ca = ../kor/ca.crt\nca_sha256 = %s\naccreditation = SECRET\n", min_conf, pinhex);
	snprintf(path, sizeof(path), "%s/jpn/node.conf", dir);
	write_text(path, text);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_OK);
	snprintf(want, sizeof(want), "%s/jpn/node.crt", rdir);
	assert_string_equal(cfg->cert_path, want);   /* absolute, resolved */
	snprintf(want, sizeof(want), "%s/jpn/../kor/ca.crt", rdir);
	assert_string_equal(cfg->peers[0].ca_path, want);
	assert_memory_equal(cfg->peers[0].ca_sha256, pin, HL_SHA256);
	assert_string_equal(cfg->path, path);

	/* the pin does not match: the error names the ca_sha256 line (12) */
	pinhex[0] = pinhex[0] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "%s" "[peer KOR/node-1]\naddress = 127.0.0.1:7402\n"
	    "ca = ../kor/ca.crt\nca_sha256 = %s\naccreditation = SECRET\n", min_conf, pinhex);
	write_text(path, text);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:12: peer KOR/node-1: CA file %s/jpn/../kor/ca.crt "
	    "does not match ca_sha256 pin", path, rdir);
	assert_string_equal(err, want);
	assert_int_equal(cfg->npeers, 0);

	/* our CA itself as the peer's CA: also a mismatch */
	pinhex[0] = pinhex[0] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "%s" "[peer KOR/node-1]\naddress = 127.0.0.1:7402\n"
	    "ca = ca.crt\nca_sha256 = %s\naccreditation = SECRET\n", min_conf, pinhex);
	write_text(path, text);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, ":12: peer KOR/node-1: CA file "));

	/* a missing peer CA file */
	snprintf(text, sizeof(text), "%s" "[peer KOR/node-1]\naddress = 127.0.0.1:7402\n"
	    "ca = nope.crt\nca_sha256 = %s\naccreditation = SECRET\n", min_conf, pinhex);
	write_text(path, text);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:11: ca: %s/jpn/nope.crt: No such file or directory",
	    path, rdir);
	assert_string_equal(err, want);

	/* a group-readable key is refused */
	write_text(path, min_conf);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_OK);
	snprintf(p2, sizeof(p2), "%s/jpn/node.key", dir);
	assert_int_equal(chmod(p2, 0640), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:7: key: %s/jpn/node.key is accessible by group "
	    "or others (mode 0640); chmod 600 it", path, rdir);
	assert_string_equal(err, want);
	assert_int_equal(chmod(p2, 0600), 0);

	/* an operator's TOTP secret file: read and decoded; refused when others
	 * may read it or it holds no base32 secret */
	snprintf(text, sizeof(text), "%s" "require_totp = admin\n[operator ann]\nrole = admin\n"
	    "clearance = SECRET\nnationality = JPN\npassword = " HASH "\n"
	    "totp_secret_file = ann.totp\n", min_conf);
	write_text(path, text);
	snprintf(p2, sizeof(p2), "%s/jpn/ann.totp", dir);
	write_text(p2, "gezdgnbvgy3tqojqgezdgnbvgy3tqojq\n");
	assert_int_equal(chmod(p2, 0600), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_OK);
	assert_true(cfg->operators[0].totp_key_len == 20);
	assert_memory_equal(cfg->operators[0].totp_key, "12345678901234567890", 20);
	assert_int_equal(chmod(p2, 0644), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:15: totp_secret_file: %s/jpn/ann.totp is accessible by "
	    "group or others (mode 0644); chmod 600 it", path, rdir);
	assert_string_equal(err, want);
	write_text(p2, "GEZDGNBVGY3TQOJQ GEZDGNBVGY3TQOJQ\n");
	assert_int_equal(chmod(p2, 0600), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:15: totp_secret_file: %s/jpn/ann.totp does not hold a "
	    "base32 secret of 16 to 64 bytes", path, rdir);
	assert_string_equal(err, want);
	write_text(p2, "GEZDGNBVGY3TQOJQ\n");   /* 10 bytes: too short */
	assert_int_equal(chmod(p2, 0600), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	assert_string_equal(err, want);
	write_text(path, min_conf);

	/* missing certificate */
	snprintf(p2, sizeof(p2), "%s/jpn/node.crt", dir);
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, ":6: certificate: "));

	/* parse errors carry the path as given */
	write_text(path, "[node]\nbogus = 1\n");
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus' in [node]", path);
	assert_string_equal(err, want);

	/* no such file, a directory, too large */
	snprintf(p2, sizeof(p2), "%s/none.conf", dir);
	assert_int_equal(hl_config_load(p2, cfg, err, sizeof(err)), HL_ERR_IO);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", p2);
	assert_string_equal(err, want);
	assert_int_equal(hl_config_load(dir, cfg, err, sizeof(err)), HL_ERR_IO);
	{
		FILE *f = fopen(path, "w");
		size_t total = 0;

		assert_non_null(f);
		while (total <= HL_CONFIG_MAX_BYTES) {
			fputs("# padding padding padding padding padding padding padding pad\n", f);
			total += 62;
		}
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(hl_config_load(path, cfg, err, sizeof(err)), HL_ERR_TOO_BIG);
	snprintf(want, sizeof(want), "%s: file too large (max %u bytes)", path,
	    HL_CONFIG_MAX_BYTES);
	assert_string_equal(err, want);

	rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_require_totp),
		cmocka_unit_test(test_no_basedir),
		cmocka_unit_test(test_crlf_bom_and_order),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_nul_oversize),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_sensors),
		cmocka_unit_test(test_policy_rules),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_account_lists),
		cmocka_unit_test(test_groups_and_tak),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
