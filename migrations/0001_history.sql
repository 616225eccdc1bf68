-- Keep a <table>_history table for every base table, so any row can be read as of any moment.
--
-- A history table has history_id, valid_from, valid_to, tx_id, then every column
-- of its base table in the same order. Each version of a row is valid over
-- [valid_from, valid_to); valid_to is NULL for the current version. Times come
-- from clock_timestamp() when the trigger runs, so a transaction that waited
-- for a row lock writes a later time than the one it waited for, and the
-- periods of one row never overlap.
--
-- The trigger's arguments name the base table's key columns.
CREATE FUNCTION record_history_v1() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    history_table text := quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME || '_history');
    key_match text := '';
    change_time timestamptz := clock_timestamp();
    current_tx bigint := pg_current_xact_id()::text::bigint;
    earlier_from timestamptz;
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        key_match := key_match || format(' AND %I = ($1).%I', TG_ARGV[i], TG_ARGV[i]);
    END LOOP;

    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- A version written earlier in this transaction was never visible to
        -- anyone else, so it is replaced instead of being closed.
        EXECUTE format('DELETE FROM %s WHERE valid_to IS NULL AND tx_id = $2%s RETURNING valid_from',
                       history_table, key_match)
            INTO earlier_from USING OLD, current_tx;
        IF earlier_from IS NULL THEN
            EXECUTE format('UPDATE %s SET valid_to = $2 WHERE valid_to IS NULL%s', history_table, key_match)
                USING OLD, change_time;
        END IF;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO %s SELECT nextval(pg_get_serial_sequence(%L, %L)), $2, NULL, $3, ($1).*',
                       history_table, history_table, 'history_id')
            USING NEW, coalesce(earlier_from, change_time), current_tx;
    END IF;
    RETURN NULL;
END
$$;
