-- Add screen-name skeletons, the time of the last rename, and account deletion to users.

-- The UTS #39 skeleton of the case-folded screen name, so names that look
-- alike ("paypal" with a Cyrillic "а") are taken together. NULL for rows
-- written before this column existed and for deleted accounts; NULLs never
-- collide in a unique constraint.
ALTER TABLE users ADD COLUMN screen_name_skeleton text;
ALTER TABLE users ADD CONSTRAINT users_screen_name_skeleton_uq UNIQUE (screen_name_skeleton);
-- When the user last changed the screen name; NULL until the first change.
ALTER TABLE users ADD COLUMN screen_name_change_time timestamptz;
-- When the account was deleted; its personal data are cleared at that moment.
ALTER TABLE users ADD COLUMN delete_time timestamptz;

ALTER TABLE users_history ADD COLUMN screen_name_skeleton text;
ALTER TABLE users_history ADD COLUMN screen_name_change_time timestamptz;
ALTER TABLE users_history ADD COLUMN delete_time timestamptz;
