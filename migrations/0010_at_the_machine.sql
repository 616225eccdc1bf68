-- Add check-ins, machine states, token renewal overlap, score moderation and claims.

-- Scores: a status (only accepted scores count on boards), the player slot
-- the device named, who moderated the score and why, and when a player
-- claimed an initials-only score. The history table gets the same columns in
-- the same order; existing rows are accepted.
ALTER TABLE scores
    ADD COLUMN status text NOT NULL DEFAULT 'accepted',
    ADD COLUMN player_slot smallint,
    ADD COLUMN claim_time timestamptz,
    ADD COLUMN moderator_id uuid,
    ADD COLUMN moderation_reason text,
    ADD CONSTRAINT scores_status_ck CHECK (status IN ('accepted', 'held', 'voided')),
    ADD CONSTRAINT scores_player_slot_ck CHECK (player_slot BETWEEN 1 AND 6),
    ADD CONSTRAINT scores_moderator_fk FOREIGN KEY (moderator_id) REFERENCES users (id);
ALTER TABLE scores_history
    ADD COLUMN status text NOT NULL DEFAULT 'accepted',
    ADD COLUMN player_slot smallint,
    ADD COLUMN claim_time timestamptz,
    ADD COLUMN moderator_id uuid,
    ADD COLUMN moderation_reason text;

-- A claimed score keeps the initials typed at the machine beside its new user.
ALTER TABLE scores DROP CONSTRAINT scores_player_ck;
ALTER TABLE scores ADD CONSTRAINT scores_player_ck CHECK (user_id IS NULL OR initials IS NULL OR claim_time IS NOT NULL);

-- Every-entry boards read accepted scores only: partial indexes keep a top-N
-- read an index scan that stops after N rows.
DROP INDEX scores_machine_all_idx;
CREATE INDEX scores_machine_all_idx ON scores (machine_id, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_machine_day_idx;
CREATE INDEX scores_machine_day_idx ON scores (machine_id, day_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_machine_week_idx;
CREATE INDEX scores_machine_week_idx ON scores (machine_id, week_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_machine_month_idx;
CREATE INDEX scores_machine_month_idx ON scores (machine_id, month_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_machine_year_idx;
CREATE INDEX scores_machine_year_idx ON scores (machine_id, year_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_arcade_all_idx;
CREATE INDEX scores_arcade_all_idx ON scores (arcade_id, game_id, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_arcade_day_idx;
CREATE INDEX scores_arcade_day_idx ON scores (arcade_id, game_id, day_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_arcade_week_idx;
CREATE INDEX scores_arcade_week_idx ON scores (arcade_id, game_id, week_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_arcade_month_idx;
CREATE INDEX scores_arcade_month_idx ON scores (arcade_id, game_id, month_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_arcade_year_idx;
CREATE INDEX scores_arcade_year_idx ON scores (arcade_id, game_id, year_local, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_global_all_idx;
CREATE INDEX scores_global_all_idx ON scores (game_id, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_global_day_idx;
CREATE INDEX scores_global_day_idx ON scores (game_id, day_utc, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_global_week_idx;
CREATE INDEX scores_global_week_idx ON scores (game_id, week_utc, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_global_month_idx;
CREATE INDEX scores_global_month_idx ON scores (game_id, month_utc, value DESC, achieve_time, id) WHERE status = 'accepted';
DROP INDEX scores_global_year_idx;
CREATE INDEX scores_global_year_idx ON scores (game_id, year_utc, value DESC, achieve_time, id) WHERE status = 'accepted';
CREATE INDEX scores_held_idx ON scores (arcade_id, id) WHERE status = 'held';

-- Voiding and claiming find a score's best-per-player rows by score.
CREATE INDEX board_bests_score_idx ON board_bests (score_id);

-- A renewed device token leaves the previous one working until
-- previous_token_expire_time.
ALTER TABLE machines
    ADD COLUMN previous_token_hash bytea,
    ADD COLUMN previous_token_expire_time timestamptz,
    ADD CONSTRAINT machines_previous_token_hash_uq UNIQUE (previous_token_hash);
ALTER TABLE machines_history
    ADD COLUMN previous_token_hash bytea,
    ADD COLUMN previous_token_expire_time timestamptz;

-- The state a device reported last; written only when it changes.
ALTER TABLE machine_activity
    ADD COLUMN state text,
    ADD COLUMN state_time timestamptz,
    ADD CONSTRAINT machine_activity_state_ck CHECK (state IN ('idle', 'in_game', 'out_of_order'));
ALTER TABLE machine_activity_history
    ADD COLUMN state text,
    ADD COLUMN state_time timestamptz;

-- Claim codes that a device shows for a player slot. Only the SHA-256 of a
-- code is stored; a code works once, until expire_time.
CREATE TABLE check_in_codes (
    code_hash bytea NOT NULL,
    machine_id uuid NOT NULL,
    player_slot smallint NOT NULL,
    expire_time timestamptz NOT NULL,
    claim_time timestamptz,
    CONSTRAINT check_in_codes_pk PRIMARY KEY (code_hash),
    CONSTRAINT check_in_codes_machine_fk FOREIGN KEY (machine_id) REFERENCES machines (id),
    CONSTRAINT check_in_codes_slot_ck CHECK (player_slot BETWEEN 1 AND 6)
);
CREATE INDEX check_in_codes_slot_idx ON check_in_codes (machine_id, player_slot);

CREATE TABLE check_in_codes_history (
    history_id bigint GENERATED BY DEFAULT AS IDENTITY,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    tx_id bigint NOT NULL,
    LIKE check_in_codes,
    CONSTRAINT check_in_codes_history_pk PRIMARY KEY (history_id),
    CONSTRAINT check_in_codes_history_period_ck CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX check_in_codes_history_key_idx ON check_in_codes_history (code_hash, valid_from);
CREATE TRIGGER check_in_codes_history_tg AFTER INSERT OR UPDATE OR DELETE ON check_in_codes
    FOR EACH ROW EXECUTE FUNCTION record_history_v1('code_hash');

-- Every check-in, kept for attendance. An open check-in has no end_time;
-- one that passed expire_time counts as ended and is closed by the next
-- claim of its slot or player.
CREATE TABLE check_ins (
    id bigint GENERATED ALWAYS AS IDENTITY,
    machine_id uuid NOT NULL,
    arcade_id uuid NOT NULL,
    player_slot smallint NOT NULL,
    user_id uuid NOT NULL,
    start_time timestamptz NOT NULL,
    expire_time timestamptz NOT NULL,
    end_time timestamptz,
    -- "ended" by the device, "replaced" by a later claim, "expired".
    end_reason text,
    CONSTRAINT check_ins_pk PRIMARY KEY (id),
    CONSTRAINT check_ins_machine_fk FOREIGN KEY (machine_id) REFERENCES machines (id),
    CONSTRAINT check_ins_arcade_fk FOREIGN KEY (arcade_id) REFERENCES arcades (id),
    CONSTRAINT check_ins_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT check_ins_slot_ck CHECK (player_slot BETWEEN 1 AND 6),
    CONSTRAINT check_ins_end_ck CHECK ((end_time IS NULL) = (end_reason IS NULL)),
    CONSTRAINT check_ins_end_reason_ck CHECK (end_reason IN ('ended', 'replaced', 'expired')),
    -- One open check-in per slot and one per player. Exclusion constraints
    -- because a partial unique index has no constraint name to translate.
    CONSTRAINT check_ins_open_slot_uq EXCLUDE USING btree (machine_id WITH =, player_slot WITH =)
        WHERE (end_time IS NULL),
    CONSTRAINT check_ins_open_user_uq EXCLUDE USING btree (user_id WITH =) WHERE (end_time IS NULL)
);
CREATE INDEX check_ins_arcade_idx ON check_ins (arcade_id, start_time);

CREATE TABLE check_ins_history (
    history_id bigint GENERATED BY DEFAULT AS IDENTITY,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    tx_id bigint NOT NULL,
    LIKE check_ins,
    CONSTRAINT check_ins_history_pk PRIMARY KEY (history_id),
    CONSTRAINT check_ins_history_period_ck CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX check_ins_history_key_idx ON check_ins_history (id, valid_from);
CREATE TRIGGER check_ins_history_tg AFTER INSERT OR UPDATE OR DELETE ON check_ins
    FOR EACH ROW EXECUTE FUNCTION record_history_v1('id');

-- Per-arcade score rules; an arcade without a row uses the defaults.
CREATE TABLE arcade_score_rules (
    arcade_id uuid NOT NULL,
    -- How long after its achievement time an initials-only score may be claimed.
    claim_window_seconds integer NOT NULL,
    CONSTRAINT arcade_score_rules_pk PRIMARY KEY (arcade_id),
    CONSTRAINT arcade_score_rules_arcade_fk FOREIGN KEY (arcade_id) REFERENCES arcades (id),
    CONSTRAINT arcade_score_rules_window_ck CHECK (claim_window_seconds BETWEEN 0 AND 2592000)
);

CREATE TABLE arcade_score_rules_history (
    history_id bigint GENERATED BY DEFAULT AS IDENTITY,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    tx_id bigint NOT NULL,
    LIKE arcade_score_rules,
    CONSTRAINT arcade_score_rules_history_pk PRIMARY KEY (history_id),
    CONSTRAINT arcade_score_rules_history_period_ck CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX arcade_score_rules_history_key_idx ON arcade_score_rules_history (arcade_id, valid_from);
CREATE TRIGGER arcade_score_rules_history_tg AFTER INSERT OR UPDATE OR DELETE ON arcade_score_rules
    FOR EACH ROW EXECUTE FUNCTION record_history_v1('arcade_id');

-- The plausible range of a game's scores in an arcade; scores outside it are held.
CREATE TABLE score_ranges (
    arcade_id uuid NOT NULL,
    game_id text NOT NULL,
    min_value bigint NOT NULL,
    max_value bigint NOT NULL,
    CONSTRAINT score_ranges_pk PRIMARY KEY (arcade_id, game_id),
    CONSTRAINT score_ranges_arcade_fk FOREIGN KEY (arcade_id) REFERENCES arcades (id),
    CONSTRAINT score_ranges_game_fk FOREIGN KEY (game_id) REFERENCES games (id),
    CONSTRAINT score_ranges_bounds_ck CHECK (0 <= min_value AND min_value <= max_value)
);

CREATE TABLE score_ranges_history (
    history_id bigint GENERATED BY DEFAULT AS IDENTITY,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    tx_id bigint NOT NULL,
    LIKE score_ranges,
    CONSTRAINT score_ranges_history_pk PRIMARY KEY (history_id),
    CONSTRAINT score_ranges_history_period_ck CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX score_ranges_history_key_idx ON score_ranges_history (arcade_id, game_id, valid_from);
CREATE TRIGGER score_ranges_history_tg AFTER INSERT OR UPDATE OR DELETE ON score_ranges
    FOR EACH ROW EXECUTE FUNCTION record_history_v1('arcade_id', 'game_id');
