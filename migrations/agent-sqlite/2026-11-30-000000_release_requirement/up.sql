-- The semver requirement a release was installed with (`souk install NS/NAME@REQ`,
-- a subscription's `requirement`): `souk upgrade` stays within it. Releases
-- installed before it was remembered may go anywhere.
ALTER TABLE releases ADD COLUMN requirement TEXT NOT NULL DEFAULT '*';
