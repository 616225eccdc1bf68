-- Add yearly boards: the start of the score's year, locally and in UTC.
ALTER TABLE scores ADD COLUMN year_local timestamptz, ADD COLUMN year_utc timestamptz;
ALTER TABLE scores_history ADD COLUMN year_local timestamptz, ADD COLUMN year_utc timestamptz;

-- Scores are facts: filling in a derived column is not a new version of a
-- score, so the history trigger is paused and the history rows get the same
-- values in place.
ALTER TABLE scores DISABLE TRIGGER scores_history_tg;
UPDATE scores s
SET year_local = date_trunc('year', s.achieve_time AT TIME ZONE a.time_zone) AT TIME ZONE a.time_zone,
    year_utc = date_trunc('year', s.achieve_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
FROM arcades a WHERE a.id = s.arcade_id;
UPDATE scores_history h
SET year_local = s.year_local, year_utc = s.year_utc
FROM scores s WHERE s.id = h.id;
ALTER TABLE scores ENABLE TRIGGER scores_history_tg;

ALTER TABLE scores ALTER COLUMN year_local SET NOT NULL, ALTER COLUMN year_utc SET NOT NULL;

CREATE INDEX scores_machine_year_idx ON scores (machine_id, year_local, value DESC, achieve_time, id);
CREATE INDEX scores_arcade_year_idx ON scores (arcade_id, game_id, year_local, value DESC, achieve_time, id);
CREATE INDEX scores_global_year_idx ON scores (game_id, year_utc, value DESC, achieve_time, id);

-- As-of reads of every-entry boards look scores up by when they were stored.
CREATE INDEX scores_history_game_idx ON scores_history (game_id, valid_from);
