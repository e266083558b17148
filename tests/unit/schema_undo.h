/* schema_undo.h: SQL that takes a store back by one migration step, for
 * the unit tests that check older files are migrated (test_store,
 * test_stixdb, test_merkle). Each undoes exactly what its step made. */
#ifndef HL_TEST_SCHEMA_UNDO_H
#define HL_TEST_SCHEMA_UNDO_H

/* 15 -> 16: the signature suite of each delivery's receipt */
#define DROP_V16 "ALTER TABLE deliveries DROP COLUMN receipt_suite; "

/* 14 -> 15: the revocation notices */
#define DROP_V15 "DROP TABLE revocations; "

/* 13 -> 14: the operators' TOTP secrets and last accepted steps */
#define DROP_V14 "ALTER TABLE accounts DROP COLUMN totp_key; DROP TABLE totp_last; "

/* 12 -> 13: contents sealed at rest */
#define DROP_V13 "ALTER TABLE envelopes DROP COLUMN content_sealed; DROP TABLE data_keys; "

/* 11 -> 12 (the track stream): alerts, the ingest marks, and updates
 * keyed by envelope alone again */
#define DROP_V12 "DROP TABLE track_alerts; DROP TABLE track_ingest_open;" \
	" ALTER TABLE tracks DROP COLUMN idx;" \
	" CREATE TABLE track_updates_v11 (envelope_id BLOB PRIMARY KEY NOT NULL," \
	" origin TEXT NOT NULL, track_id TEXT, exercise INTEGER NOT NULL, observed_s INTEGER NOT NULL" \
	" DEFAULT 0, observed_ns INTEGER NOT NULL DEFAULT 0, env_seq INTEGER NOT NULL, valid INTEGER" \
	" NOT NULL, record BLOB NOT NULL, error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;" \
	" INSERT INTO track_updates_v11 SELECT envelope_id, origin, track_id, exercise, observed_s," \
	" observed_ns, env_seq, valid, record, error FROM track_updates WHERE idx = 0;" \
	" DROP TABLE track_updates; ALTER TABLE track_updates_v11 RENAME TO track_updates;" \
	" CREATE INDEX track_updates_track ON track_updates (track_id, observed_s, observed_ns); "

/* 10 -> 11: the envelope files' columns */
#define DROP_V11 "ALTER TABLE envelopes DROP COLUMN content_file;" \
	" ALTER TABLE envelopes DROP COLUMN content_file_len;" \
	" ALTER TABLE envelopes DROP COLUMN raw_file;" \
	" ALTER TABLE envelopes DROP COLUMN raw_file_len; "

#endif
