-- Record each game's optional Open Pinball Database ID.
ALTER TABLE games ADD COLUMN opdb_id text;
ALTER TABLE games_history ADD COLUMN opdb_id text;
CREATE INDEX machines_game_idx ON machines (game_id);
