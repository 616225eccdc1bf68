-- Keep history through one generated trigger function per table, with static SQL that PL/pgSQL plans once per session.
--
-- record_history_v1 (0001_history.sql) builds its statements with format()
-- and runs them with EXECUTE, so PostgreSQL parses and plans them again for
-- every row. A score submit changes about 18 board_bests rows and 60
-- board_buckets rows (0030_board_buckets.sql), and that planning was most
-- of a submit's time. enable_history_v2 writes the table and key columns
-- into the body of a function of that table's own, so its statements are
-- constant and PL/pgSQL caches their plans. This replaces the NOTE above
-- board_buckets_history_tg in 0030: bench/ingest.py measured a SubmitScore
-- median of 17.1 ms with record_history_v1 and 9.0 ms with the generated
-- functions, in back-to-back runs on one machine (docs/benchmarks.md).
--
-- The history it keeps is the same as record_history_v1's: the change time
-- is clock_timestamp(), tx_id is pg_current_xact_id(), an UPDATE or DELETE
-- replaces the open version written earlier in the same transaction (and
-- keeps its valid_from) or else closes the open version, and an INSERT or
-- UPDATE adds the new version with history_id from the identity column.
-- A new base table gets its history with
--   SELECT enable_history_v2('my_table', ARRAY['id']);
-- record_history_v1 stays defined for reference, but after this migration
-- no trigger uses it.

-- Create record_<table>_history_v2() and the trigger <table>_history_tg
-- (AFTER INSERT OR UPDATE OR DELETE, for each row) that runs it. The key
-- columns identify one row of the base table, as the arguments of
-- record_history_v1 do. Raises if the table already has that function or
-- trigger.
CREATE FUNCTION enable_history_v2(target regclass, key_columns text[]) RETURNS void
LANGUAGE plpgsql AS $generator$
DECLARE
    base_schema text;
    base_name text;
    history_table text;
    function_name text;
    key_column text;
    key_match text := '';
BEGIN
    SELECT n.nspname, c.relname INTO base_schema, base_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = target;
    history_table := format('%I.%I', base_schema, base_name || '_history');
    function_name := 'record_' || base_name || '_history_v2';

    -- PostgreSQL would silently cut a longer name to 63 bytes, and two
    -- tables could then share one function.
    IF octet_length(function_name) > 63 THEN
        RAISE EXCEPTION 'history function name % is longer than 63 bytes; use a shorter table name', function_name;
    END IF;
    IF to_regclass(history_table) IS NULL THEN
        RAISE EXCEPTION 'history table % not found; create it before enabling history of %', history_table, target;
    END IF;
    IF coalesce(cardinality(key_columns), 0) = 0 THEN
        RAISE EXCEPTION 'no key columns given for the history of %', target;
    END IF;

    FOREACH key_column IN ARRAY key_columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute
                       WHERE attrelid = target AND attname = key_column AND attnum > 0 AND NOT attisdropped)
           OR NOT EXISTS (SELECT 1 FROM pg_attribute
                          WHERE attrelid = history_table::regclass AND attname = key_column
                            AND attnum > 0 AND NOT attisdropped) THEN
            RAISE EXCEPTION 'key column % not found in both % and %', key_column, target, history_table;
        END IF;
        key_match := key_match || format(' AND version.%I = OLD.%I', key_column, key_column);
    END LOOP;

    -- The history columns are qualified with the alias "version" and
    -- variable_conflict is use_variable, so a base column that happens to
    -- share a variable's name cannot change what a statement means.
    -- NEW.* expands to the base table's columns in order, which the history
    -- table repeats after its first four, as record_history_v1 relies on too.
    -- NOTE: the DELETE ... RETURNING INTO raises if it finds two open
    -- versions of one key written by this transaction, where
    -- record_history_v1 took either one. Only a history that already breaks
    -- the rule of one open version per key can have that. The open-version
    -- indexes of board_bests_history and board_buckets_history enforce the
    -- rule, and for the other tables only the triggers keep it.
    EXECUTE format($template$
CREATE FUNCTION %1$I.%2$I() RETURNS trigger
LANGUAGE plpgsql AS $body$
#variable_conflict use_variable
DECLARE
    change_time timestamptz := clock_timestamp();
    current_tx bigint := pg_current_xact_id()::text::bigint;
    earlier_from timestamptz;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- A version written earlier in this transaction was never visible
        -- to anyone else, so it is replaced instead of being closed.
        DELETE FROM %3$s AS version
        WHERE version.valid_to IS NULL AND version.tx_id = current_tx%4$s
        RETURNING version.valid_from INTO earlier_from;
        IF earlier_from IS NULL THEN
            UPDATE %3$s AS version SET valid_to = change_time
            WHERE version.valid_to IS NULL%4$s;
        END IF;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO %3$s VALUES (DEFAULT, coalesce(earlier_from, change_time), NULL, current_tx, NEW.*);
    END IF;
    RETURN NULL;
END
$body$
$template$, base_schema, function_name, history_table, key_match);

    EXECUTE format('COMMENT ON FUNCTION %I.%I() IS %L', base_schema, function_name,
                   format('Keeps %s; generated by enable_history_v2 with key columns %s.',
                          history_table, array_to_string(key_columns, ', ')));
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %I.%I()',
                   base_name || '_history_tg', target, base_schema, function_name);
END
$generator$;

-- Move every table from record_history_v1 to its own generated function.
-- The key columns come from the old trigger's arguments (pg_trigger.tgargs,
-- each argument ended by a zero byte). Only the shape every migration used
-- (AFTER INSERT OR UPDATE OR DELETE, for each row, no WHEN, no column list,
-- enabled) is moved; any other shape stops the migration, because the new
-- trigger would not fire on the same events.
DO $$
DECLARE
    old_trigger record;
BEGIN
    FOR old_trigger IN
        SELECT t.tgname, t.tgrelid::regclass AS target, t.tgtype, t.tgenabled, t.tgqual, t.tgattr, t.tgconstraint,
               c.relname,
               ARRAY(SELECT split_part(encode(t.tgargs, 'escape'), '\000', n)
                     FROM generate_series(1, t.tgnargs) AS n ORDER BY n) AS key_columns
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgfoid = 'record_history_v1'::regproc
        ORDER BY c.relname
    LOOP
        -- 29 = ROW (1) + INSERT (4) + DELETE (8) + UPDATE (16), no BEFORE bit.
        IF old_trigger.tgtype <> 29 OR old_trigger.tgenabled <> 'O' OR old_trigger.tgqual IS NOT NULL
           OR cardinality(old_trigger.tgattr::int2[]) > 0 OR old_trigger.tgconstraint <> 0 THEN
            RAISE EXCEPTION 'history trigger % on % has a shape enable_history_v2 does not create',
                old_trigger.tgname, old_trigger.target;
        END IF;
        IF old_trigger.tgname <> old_trigger.relname || '_history_tg' THEN
            RAISE EXCEPTION 'history trigger % on % is not named %_history_tg',
                old_trigger.tgname, old_trigger.target, old_trigger.relname;
        END IF;

        EXECUTE format('DROP TRIGGER %I ON %s', old_trigger.tgname, old_trigger.target);
        PERFORM enable_history_v2(old_trigger.target, old_trigger.key_columns);
    END LOOP;
END
$$;

-- The history triggers find a key's open version by the key columns and
-- valid_to IS NULL. Every history table has an index on (key columns,
-- valid_from), which walks all versions of the key. A best-per-player row
-- gets a version with every improvement, so board_bests_history gets an
-- index of open versions only, like board_buckets_history has since 0030.
-- Measured with pgbench against PostgreSQL 15 on a shared 2-core machine,
-- one client updating 18 board_bests rows per transaction: at 10 to 20
-- versions per key 2.4 to 2.5 ms without it and 2.2 to 2.4 ms with it, at
-- 40 to 65 versions 2.5 to 3.6 ms without it and 2.1 to 2.2 ms with it.
-- A score gets a new version only when its status changes, so
-- scores_history keeps its (id, valid_from) index alone.
CREATE UNIQUE INDEX board_bests_history_open_idx ON board_bests_history (board, period_start, player_key)
    WHERE valid_to IS NULL;

COMMENT ON FUNCTION record_history_v1() IS
    'Superseded by enable_history_v2 (0031_static_history_triggers.sql); no trigger uses it.';
