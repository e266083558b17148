/* test_console.c: operator accounts in the database (accounts.c: add,
 * get, list, disable, reset, audit entries, refusals) and the console's
 * parsers (consolejson.c: Cookie header, login, operator and label-check
 * bodies), including malformed input of each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_accounts.h"
#include "alloc.h"
#include "apijson.h"
#include "consolejson.h"
#include "label.h"
#include "pwhash.h"
#include "store.h"

static struct hl_policy pol;

struct fx {
	char dir[64];
	char path[96];
	struct hl_store *s;
	char hash[256];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	hl_apijson_init();
	hl_policy_default(&pol);
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/hl-console-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/hotline.db", f->dir);
	assert_int_equal(hl_store_open(f->path, &f->s, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_pwhash_make("correct horse", 10, f->hash, sizeof(f->hash)), HL_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	hl_store_close(f->s);
	snprintf(p, sizeof(p), "rm -rf %s", f->dir);
	if (system(p) != 0)
		return -1;
	free(f);
	return 0;
}

static void
op_init(struct hl_operator_conf *op, const char *name, const char *hash)
{
	memset(op, 0, sizeof(*op));
	snprintf(op->name, sizeof(op->name), "%s", name);
	op->role = HL_ROLE_OFFICER;
	op->clearance = 1;
	snprintf(op->nationality, sizeof(op->nationality), "JPN");
	snprintf(op->password_hash, sizeof(op->password_hash), "%s", hash);
}

/* the last audit entry's event and detail */
static void
last_audit(struct hl_store *s, const char *event, const char *actor, const char *detail)
{
	struct hl_audit_entry *e = NULL;
	size_t n = 0;

	assert_int_equal(hl_store_audit_list(s, 1, 1000, &e, &n), HL_OK);
	assert_true(n > 0);
	assert_string_equal(e[n - 1].event, event);
	assert_string_equal(e[n - 1].actor, actor);
	assert_string_equal(e[n - 1].detail, detail);
	hl_free(e);
}

static void
test_accounts(void **state)
{
	struct fx *f = *state;
	struct hl_operator_conf op;
	struct hl_account a, *list = NULL;
	char h2[256];
	size_t n = 0;

	op_init(&op, "watch1", f->hash);
	op.disabled = 1;   /* ignored: new accounts are enabled */
	assert_int_equal(hl_store_account_get(f->s, "watch1", &a), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1000), HL_OK);
	last_audit(f->s, "operator-added", "admin", "name=watch1 role=1 clearance=1 nationality=JPN");
	assert_int_equal(hl_store_account_get(f->s, "watch1", &a), HL_OK);
	assert_string_equal(a.op.name, "watch1");
	assert_int_equal(a.op.role, HL_ROLE_OFFICER);
	assert_int_equal(a.op.clearance, 1);
	assert_string_equal(a.op.nationality, "JPN");
	assert_int_equal(a.op.disabled, 0);
	assert_true(a.created_ms == 1000 && a.password_changed_ms == 1000);
	assert_int_equal(hl_pwhash_check("correct horse", a.op.password_hash), HL_OK);
	/* duplicates, bad names, roles, nationalities, hashes */
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1001), HL_ERR_EXISTS);
	op_init(&op, "bad name", f->hash);
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1), HL_ERR_INVALID);
	op_init(&op, "-x", f->hash);
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1), HL_ERR_INVALID);
	op_init(&op, "ok", f->hash);
	op.role = 9;
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1), HL_ERR_INVALID);
	op_init(&op, "ok", f->hash);
	snprintf(op.nationality, sizeof(op.nationality), "jp");
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1), HL_ERR_INVALID);
	op_init(&op, "ok", "plaintext");
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 1), HL_ERR_MALFORMED);
	/* a second account; the list is by name */
	op_init(&op, "analyst.b", f->hash);
	op.role = HL_ROLE_ANALYST;
	assert_int_equal(hl_store_account_add(f->s, &op, "admin", 2000), HL_OK);
	assert_int_equal(hl_store_account_list(f->s, &list, &n), HL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].op.name, "analyst.b");
	assert_string_equal(list[1].op.name, "watch1");
	hl_free_secret(list, n * sizeof(*list));
	/* disable, then reset enables again with the new password */
	assert_int_equal(hl_store_account_disable(f->s, "watch1", "admin", 3000), HL_OK);
	last_audit(f->s, "operator-disabled", "admin", "name=watch1");
	assert_int_equal(hl_store_account_get(f->s, "watch1", &a), HL_OK);
	assert_int_equal(a.op.disabled, 1);
	assert_int_equal(hl_store_account_disable(f->s, "nobody", "admin", 3000), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_pwhash_make("battery staple", 10, h2, sizeof(h2)), HL_OK);
	assert_int_equal(hl_store_account_reset(f->s, "watch1", h2, "root", 4000), HL_OK);
	last_audit(f->s, "operator-reset", "root", "name=watch1");
	assert_int_equal(hl_store_account_get(f->s, "watch1", &a), HL_OK);
	assert_int_equal(a.op.disabled, 0);
	assert_true(a.created_ms == 1000 && a.password_changed_ms == 4000);
	assert_int_equal(hl_pwhash_check("battery staple", a.op.password_hash), HL_OK);
	assert_int_equal(hl_pwhash_check("correct horse", a.op.password_hash), HL_ERR_AUTH);
	assert_int_equal(hl_store_account_reset(f->s, "watch1", "$scrypt$junk", "root", 1),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_store_account_reset(f->s, "ghost", h2, "root", 1), HL_ERR_NOT_FOUND);
	/* accounts survive a reopen (the migration does not run twice) */
	{
		char err[256];

		hl_store_close(f->s);
		assert_int_equal(hl_store_open(f->path, &f->s, err, sizeof(err)), HL_OK);
		assert_int_equal(hl_store_account_get(f->s, "analyst.b", &a), HL_OK);
		assert_int_equal(a.op.role, HL_ROLE_ANALYST);
	}
}

static void
test_names(void **state)
{
	char longname[HL_OPERATOR_MAX + 2];

	(void)state;
	assert_true(hl_store_account_name_valid("a"));
	assert_true(hl_store_account_name_valid("Duty_Officer-2.jp"));
	assert_false(hl_store_account_name_valid(""));
	assert_false(hl_store_account_name_valid(NULL));
	assert_false(hl_store_account_name_valid(".hidden"));
	assert_false(hl_store_account_name_valid("a/b"));
	assert_false(hl_store_account_name_valid("a:b"));
	assert_false(hl_store_account_name_valid("é"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(hl_store_account_name_valid(longname));
	longname[HL_OPERATOR_MAX] = '\0';
	assert_true(hl_store_account_name_valid(longname));
}

#define SID "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_cookie(void **state)
{
	uint8_t sid[HL_CONSOLE_SID_BYTES];
	char big[HL_CONSOLE_COOKIE_MAX + 10];

	(void)state;
	assert_int_equal(hl_consolejson_cookie("hl_session=" SID, sid), HL_OK);
	assert_int_equal(sid[0], 0x00);
	assert_int_equal(sid[1], 0x11);
	assert_int_equal(sid[31], 0xff);
	assert_int_equal(hl_consolejson_cookie("a=b; hl_session=" SID "; c=d", sid), HL_OK);
	assert_int_equal(hl_consolejson_cookie("a=b;hl_session=" SID "  ", sid), HL_OK);
	assert_int_equal(hl_consolejson_cookie(NULL, sid), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_consolejson_cookie("", sid), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_consolejson_cookie("other=1; xhl_session=" SID, sid), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_consolejson_cookie("hl_session", sid), HL_ERR_NOT_FOUND);
	/* malformed values */
	assert_int_equal(hl_consolejson_cookie("hl_session=", sid), HL_ERR_MALFORMED);
	assert_int_equal(hl_consolejson_cookie("hl_session=abc", sid), HL_ERR_MALFORMED);
	assert_int_equal(hl_consolejson_cookie("hl_session=" SID "0", sid), HL_ERR_MALFORMED);
	assert_int_equal(hl_consolejson_cookie(
	    "hl_session=00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff", sid),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_consolejson_cookie(
	    "hl_session=0011223344556677889xaabbccddeeff00112233445566778899aabbccddeeff", sid),
	    HL_ERR_MALFORMED);
	/* two session cookies: neither is used */
	assert_int_equal(hl_consolejson_cookie("hl_session=" SID "; hl_session=" SID, sid),
	    HL_ERR_MALFORMED);
	/* an oversized header is not examined */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "hl_session=" SID ";", 76);
	assert_int_equal(hl_consolejson_cookie(big, sid), HL_ERR_MALFORMED);
}

static char login_code[HL_CONSOLE_CODE_MAX + 1];

static int
login(const char *body, char *user, char *pass)
{
	char err[200];

	return hl_consolejson_login((const uint8_t *)body, strlen(body), user, pass, login_code,
	    err, sizeof(err));
}

static void
test_login(void **state)
{
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1];
	char *big;

	(void)state;
	assert_int_equal(login("{\"user\":\"admin\",\"password\":\"p w\"}", user, pass), HL_OK);
	assert_string_equal(user, "admin");
	assert_string_equal(pass, "p w");
	assert_string_equal(login_code, "");
	/* the optional one-time code */
	assert_int_equal(login("{\"user\":\"admin\",\"password\":\"p w\",\"code\":\"123456\"}",
	    user, pass), HL_OK);
	assert_string_equal(login_code, "123456");
	assert_int_equal(login("{\"user\":\"admin\",\"password\":\"p w\",\"code\":123456}",
	    user, pass), HL_ERR_MALFORMED);
	assert_string_equal(pass, "");
	assert_int_equal(login("{\"user\":\"admin\",\"password\":\"p w\",\"code\":"
	    "\"12345678901234567\"}", user, pass), HL_ERR_MALFORMED);
	assert_string_equal(login_code, "");
	assert_int_equal(login("{\"user\":\"admin\"}", user, pass), HL_ERR_MALFORMED);
	assert_string_equal(pass, "");
	assert_int_equal(login("{\"user\":\"admin\",\"password\":\"\"}", user, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(login("{\"user\":1,\"password\":\"x\"}", user, pass), HL_ERR_MALFORMED);
	assert_int_equal(login("{\"user\":\"a\",\"password\":\"x\",\"otp\":1}", user, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(login("{\"user\":\"a\",\"user\":\"b\",\"password\":\"x\"}", user, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(login("{\"user\":\"a\\u0000b\",\"password\":\"x\"}", user, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(login("[\"admin\"]", user, pass), HL_ERR_MALFORMED);
	assert_int_equal(login("{\"user\":\"a\",", user, pass), HL_ERR_MALFORMED);
	assert_int_equal(login("", user, pass), HL_ERR_MALFORMED);
	/* a user name longer than an operator name */
	big = calloc(1, 300);
	assert_non_null(big);
	memcpy(big, "{\"user\":\"", 9);
	memset(big + 9, 'a', HL_OPERATOR_MAX + 1);
	memcpy(big + 9 + HL_OPERATOR_MAX + 1, "\",\"password\":\"x\"}", 18);
	assert_int_equal(login(big, user, pass), HL_ERR_MALFORMED);
	free(big);
	/* a body over the limit */
	big = calloc(1, HL_CONSOLE_BODY_MAX + 64);
	assert_non_null(big);
	memcpy(big, "{\"user\":\"a\",\"password\":\"", 24);
	memset(big + 24, 'p', HL_CONSOLE_BODY_MAX);
	memcpy(big + 24 + HL_CONSOLE_BODY_MAX, "\"}", 3);
	assert_int_equal(login(big, user, pass), HL_ERR_TOO_BIG);
	free(big);
}

static int
opbody(const char *body, int full, struct hl_operator_conf *op, char *pass)
{
	char err[200];

	return hl_consolejson_operator((const uint8_t *)body, strlen(body), &pol, full, op, pass,
	    err, sizeof(err));
}

static void
test_operator_body(void **state)
{
	struct hl_operator_conf op;
	char pass[HL_API_PASSWORD_MAX + 1];
	uint8_t r;

	(void)state;
	assert_int_equal(opbody("{\"name\":\"w1\",\"role\":\"Officer\",\"clearance\":\"secret\","
	    "\"nationality\":\"JPN\",\"password\":\"longenough\"}", 1, &op, pass), HL_OK);
	assert_string_equal(op.name, "w1");
	assert_int_equal(op.role, HL_ROLE_OFFICER);
	assert_int_equal(op.clearance, 3);
	assert_string_equal(op.nationality, "JPN");
	assert_string_equal(pass, "longenough");
	assert_int_equal(opbody("{\"password\":\"newpassword\"}", 0, &op, pass), HL_OK);
	assert_string_equal(pass, "newpassword");
	/* reset takes only the password; add needs everything */
	assert_int_equal(opbody("{\"password\":\"x\",\"role\":\"admin\"}", 0, &op, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(opbody("{\"password\":\"x\"}", 1, &op, pass), HL_ERR_MALFORMED);
	assert_int_equal(opbody("{\"name\":\"w1\",\"role\":\"boss\",\"clearance\":\"SECRET\","
	    "\"nationality\":\"JPN\",\"password\":\"longenough\"}", 1, &op, pass), HL_ERR_MALFORMED);
	assert_string_equal(pass, "");
	assert_int_equal(opbody("{\"name\":\"w1\",\"role\":\"admin\",\"clearance\":\"COSMIC\","
	    "\"nationality\":\"JPN\",\"password\":\"longenough\"}", 1, &op, pass), HL_ERR_MALFORMED);
	assert_int_equal(opbody("{\"name\":\"w1\",\"role\":\"admin\",\"clearance\":\"SECRET\","
	    "\"nationality\":\"japan!\",\"password\":\"longenough\"}", 1, &op, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(opbody("{\"name\":\"w1\",\"role\":\"admin\",\"clearance\":\"SECRET\","
	    "\"nationality\":\"JPN\",\"password\":\"p\",\"x\":null}", 1, &op, pass),
	    HL_ERR_MALFORMED);
	assert_int_equal(opbody("{\"name\":[],\"role\":\"admin\",\"clearance\":\"SECRET\","
	    "\"nationality\":\"JPN\",\"password\":\"p\"}", 1, &op, pass), HL_ERR_MALFORMED);
	assert_int_equal(opbody("nope", 1, &op, pass), HL_ERR_MALFORMED);
	assert_int_equal(hl_consolejson_role("ANALYST", &r), HL_OK);
	assert_int_equal(r, HL_ROLE_ANALYST);
	assert_int_equal(hl_consolejson_role("root", &r), HL_ERR_INVALID);
	assert_string_equal(hl_role_name(HL_ROLE_ADMIN), "admin");
	assert_string_equal(hl_role_name(0), "unknown");
}

static int
lcheck(const char *body, struct hl_console_labelreq *lr)
{
	char err[200];

	return hl_consolejson_labelcheck((const uint8_t *)body, strlen(body), &pol, lr, err,
	    sizeof(err));
}

static void
test_labelcheck(void **state)
{
	struct hl_console_labelreq lr;
	char big[2048];
	size_t i, pos;

	(void)state;
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"NATO\",\"JPN\"],"
	    "\"tlp\":\"amber\"}", &lr), HL_OK);
	assert_int_equal(lr.label.classification, 3);
	assert_int_equal(lr.label.nrel, 2);
	assert_string_equal(lr.label.rel[0], "JPN");   /* sorted */
	assert_int_equal(lr.nto, 0);
	assert_int_equal(lcheck("{\"classification\":\"RESTRICTED\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"red\",\"to\":[\"KOR\",\"NATO/node-1\"]}", &lr), HL_OK);
	assert_int_equal(lr.nto, 2);
	assert_string_equal(lr.to[1], "NATO/node-1");
	/* malformed */
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[],"
	    "\"tlp\":\"amber\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"jp n\"],"
	    "\"tlp\":\"amber\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":\"JPN\","
	    "\"tlp\":\"amber\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"TOP\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"amber\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"purple\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"amber\",\"to\":[\"\"]}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"amber\",\"to\":[1]}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"amber\",\"text\":\"x\"}", &lr), HL_ERR_MALFORMED);
	assert_int_equal(lcheck("{\"classification\":\"SECRET\"}", &lr), HL_ERR_MALFORMED);
	/* too many releasable-to partners */
	pos = (size_t)snprintf(big, sizeof(big), "{\"classification\":\"SECRET\",\"tlp\":\"amber\","
	    "\"releasable_to\":[");
	for (i = 0; i <= HL_RELEASABLE_MAX; i++)
		pos += (size_t)snprintf(big + pos, sizeof(big) - pos, "%s\"P%02zu\"", i ? "," : "", i);
	snprintf(big + pos, sizeof(big) - pos, "]}");
	assert_int_equal(lcheck(big, &lr), HL_ERR_MALFORMED);
	/* too many recipients */
	pos = (size_t)snprintf(big, sizeof(big), "{\"classification\":\"SECRET\",\"tlp\":\"amber\","
	    "\"releasable_to\":[\"JPN\"],\"to\":[");
	for (i = 0; i <= HL_RECIPIENTS_MAX; i++)
		pos += (size_t)snprintf(big + pos, sizeof(big) - pos, "%s\"P%02zu\"", i ? "," : "", i);
	snprintf(big + pos, sizeof(big) - pos, "]}");
	assert_int_equal(lcheck(big, &lr), HL_ERR_MALFORMED);
}

/* The console's label check and the API's send read a label with the one
 * parser (hl_apijson_label): the same label members give the same answer
 * and the same message. */
static void
test_labelcheck_shares_the_api_parser(void **state)
{
	static const char *const labels[] = {
		"\"classification\":\"SECRET\",\"releasable_to\":[\"NATO\",\"JPN\"],\"tlp\":\"amber\"",
		"\"classification\":\"SECRET\",\"releasable_to\":[],\"tlp\":\"amber\"",
		"\"classification\":\"SECRET\",\"releasable_to\":[\"jpn\"],\"tlp\":\"amber\"",
		"\"classification\":\"SECRET\",\"releasable_to\":\"JPN\",\"tlp\":\"amber\"",
		"\"classification\":\"TOP\",\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\"",
		"\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],\"tlp\":\"purple\"",
		"\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"]",
		"\"classification\":7,\"releasable_to\":[\"JPN\"],\"tlp\":\"red\"",
		"\"releasable_to\":[\"JPN\",\"KOR\",\"KOR\"],\"tlp\":\"red\"",
		"\"classification\":\"SECRET\",\"releasable_to\":[\"KOR\",\"KOR\"],\"tlp\":\"red\"",
	};
	struct hl_console_labelreq lr;
	struct hl_api_send send;
	char body[512], cerr[200], aerr[200];
	size_t i;
	int rc, ra;

	(void)state;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		snprintf(body, sizeof(body), "{%s}", labels[i]);
		rc = hl_consolejson_labelcheck((const uint8_t *)body, strlen(body), &pol, &lr, cerr,
		    sizeof(cerr));
		snprintf(body, sizeof(body), "{\"to\":[\"KOR\"],\"precedence\":\"routine\","
		    "\"text\":\"x\",%s}", labels[i]);
		ra = hl_apijson_parse_send((const uint8_t *)body, strlen(body), &pol, &send, aerr,
		    sizeof(aerr));
		assert_int_equal(rc, ra);
		if (rc == HL_OK) {
			assert_memory_equal(&lr.label, &send.label, sizeof(lr.label));
			hl_apijson_send_clear(&send);
		} else {
			assert_string_equal(cerr, aerr);
		}
	}
}

static int
totp_body(const char *body, int *remove)
{
	char err[200];

	return hl_consolejson_totp((const uint8_t *)body, strlen(body), remove, err, sizeof(err));
}

static void
test_totp_body(void **state)
{
	int remove = 7;

	(void)state;
	assert_int_equal(totp_body("", &remove), HL_OK);
	assert_int_equal(remove, 0);
	assert_int_equal(totp_body("{}", &remove), HL_OK);
	assert_int_equal(remove, 0);
	assert_int_equal(totp_body("{\"remove\":true}", &remove), HL_OK);
	assert_int_equal(remove, 1);
	assert_int_equal(totp_body("{\"remove\":false}", &remove), HL_OK);
	assert_int_equal(remove, 0);
	assert_int_equal(totp_body("{\"remove\":1}", &remove), HL_ERR_MALFORMED);
	assert_int_equal(totp_body("{\"secret\":\"AAAA\"}", &remove), HL_ERR_MALFORMED);
	assert_int_equal(totp_body("[]", &remove), HL_ERR_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_body, setup, teardown),
		cmocka_unit_test(test_totp_body),
		cmocka_unit_test_setup_teardown(test_labelcheck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labelcheck_shares_the_api_parser, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
