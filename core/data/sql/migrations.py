"""The store's migrations: ``MIGRATIONS[i]`` takes a database from schema version i to i + 1. Kept apart from
``core.data.sql.schema`` (which re-exports them) so each reads in one sitting; a migration is never edited once
shipped, only a new one appended."""

from __future__ import annotations

from core.data.sql.dialect import PerDatabase

# Every column of a sample and of a clip row at schema version 3, as migration 4 copies them.
_SAMPLE_ROW = ("id, class_id, handedness, score, image_w, image_h, pixel, normalised, world, source_kind, "
               "source_name, frame, created_at, crop_jpeg, backend, skeleton, visibility")  # fmt: skip
_CLIP_ROW = ("id, class_id, skeleton, frames, image_w, image_h, points, present, timestamps, source_kind, "
             "source_name, created_at, backend")  # fmt: skip

# MIGRATIONS[i] takes a database from schema version i to i + 1 (PRAGMA user_version; on PostgreSQL a table,
# core.data.sql.postgres). Each step is SQLite's text, which core.data.sql.dialect rewrites for PostgreSQL,
# or a PerDatabase pair where the two differ.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE projects (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            backend TEXT NOT NULL DEFAULT 'mediapipe', created_at REAL NOT NULL)""",
        """CREATE TABLE classes (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            name TEXT NOT NULL, emoji TEXT NOT NULL DEFAULT '', mirror TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL, UNIQUE (project_id, name))""",
        """CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            handedness TEXT NOT NULL, score REAL NOT NULL,
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            pixel BLOB NOT NULL, normalised BLOB NOT NULL, world BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', frame INTEGER, created_at REAL NOT NULL,
            crop_jpeg BLOB, backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        "CREATE INDEX samples_by_class ON samples(class_id)",
    ),
    (  # 1 → 2: skeletons as data (body projects), motion projects; old rows are hands, static
        "ALTER TABLE projects ADD COLUMN skeleton TEXT NOT NULL DEFAULT 'hand'",
        "ALTER TABLE projects ADD COLUMN motion INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE samples ADD COLUMN skeleton TEXT NOT NULL DEFAULT 'hand'",
        "ALTER TABLE samples ADD COLUMN visibility BLOB",  # (K,) float32, NULL when the detector gives none
    ),
    (  # 2 → 3: motion clips (core.data.clips), one row per take: (T, K, 3) points, (T,) present and times
        """CREATE TABLE clips (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            skeleton TEXT NOT NULL, frames INTEGER NOT NULL CHECK (frames > 0),
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            points BLOB NOT NULL, present BLOB NOT NULL, timestamps BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,
            backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        "CREATE INDEX clips_by_class ON clips(class_id)",
    ),
    # 3 → 4: sample and clip ids are never given again (AUTOINCREMENT), so a page's tick on a row deleted
    # elsewhere cannot delete the newer row that would have got its id. SQLite adds AUTOINCREMENT only to a
    # new table: each is copied whole, ids included, in the one transaction a migration runs in.
    (
        """CREATE TABLE samples_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            handedness TEXT NOT NULL, score REAL NOT NULL,
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            pixel BLOB NOT NULL, normalised BLOB NOT NULL, world BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', frame INTEGER, created_at REAL NOT NULL,
            crop_jpeg BLOB, backend TEXT NOT NULL DEFAULT 'mediapipe',
            skeleton TEXT NOT NULL DEFAULT 'hand', visibility BLOB)""",
        f"INSERT INTO samples_v4 ({_SAMPLE_ROW}) SELECT {_SAMPLE_ROW} FROM samples",
        "DROP TABLE samples",
        "ALTER TABLE samples_v4 RENAME TO samples",
        "CREATE INDEX samples_by_class ON samples(class_id)",
        """CREATE TABLE clips_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            skeleton TEXT NOT NULL, frames INTEGER NOT NULL CHECK (frames > 0),
            image_w INTEGER NOT NULL, image_h INTEGER NOT NULL,
            points BLOB NOT NULL, present BLOB NOT NULL, timestamps BLOB NOT NULL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('webcam', 'image', 'video', 'csv')),
            source_name TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,
            backend TEXT NOT NULL DEFAULT 'mediapipe')""",
        f"INSERT INTO clips_v4 ({_CLIP_ROW}) SELECT {_CLIP_ROW} FROM clips",
        "DROP TABLE clips",
        "ALTER TABLE clips_v4 RENAME TO clips",
        "CREATE INDEX clips_by_class ON clips(class_id)",
    ),
    (  # 4 → 5: each project's identity, new on create, import and replace, kept by a rename (core.data.saved_models.project_folders)
        "ALTER TABLE projects ADD COLUMN uid TEXT NOT NULL DEFAULT ''",
        PerDatabase(
            "UPDATE projects SET uid = lower(hex(randomblob(16)))",
            "UPDATE projects SET uid = replace(gen_random_uuid()::text, '-', '')",
        ),
        "CREATE UNIQUE INDEX projects_by_uid ON projects(uid) WHERE uid != ''",
    ),
    # 5 → 6: a class on one server (core.classes): its accounts, failed sign-ins, and each project's owner
    # (NULL: the server's own, as every project before). Account ids are never given again (AUTOINCREMENT), so a
    # deleted student's session cannot become a newer student's; a project's owner row cannot go before the project.
    (
        """CREATE TABLE school_classes (
            id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
            code TEXT NOT NULL UNIQUE, retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days > 0),
            crops_allowed INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL)""",
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            school_class_id INTEGER NOT NULL REFERENCES school_classes(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('teacher', 'student')),
            name TEXT NOT NULL, name_key TEXT NOT NULL, password TEXT NOT NULL,
            created_at REAL NOT NULL, last_seen REAL, UNIQUE (school_class_id, name_key))""",
        "CREATE TABLE sign_in_failures (key TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX sign_in_failures_by_key ON sign_in_failures(key, at)",
        "ALTER TABLE projects ADD COLUMN owner INTEGER REFERENCES accounts(id)",
        "ALTER TABLE projects ADD COLUMN shared INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX projects_by_owner ON projects(owner)",
    ),
    # 6 → 7: signing in with a school's accounts (core.classes.identity): a member's verified e-mail address, one
    # account per address on the server, and the e-mail domains whose every address may join a class
    (
        "ALTER TABLE accounts ADD COLUMN email TEXT",
        "CREATE UNIQUE INDEX accounts_by_email ON accounts(email) WHERE email IS NOT NULL",
        """CREATE TABLE class_domains (
            domain TEXT PRIMARY KEY,
            school_class_id INTEGER NOT NULL REFERENCES school_classes(id) ON DELETE CASCADE)""",
    ),
    # 7 → 8: the server's own settings; 'class_server' stays once a class was created, so ending the last class
    # does not open the server to anyone on the network without signing in (core.classes.roster.class_mode)
    (
        "CREATE TABLE server_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO server_settings SELECT 'class_server', '1' WHERE EXISTS (SELECT 1 FROM school_classes)",
    ),
    # 8 → 9 (hostile round 5, issue 63): sessions the server ends (core.classes.session: *Sign out*, a password
    # reset and a deletion end them at once); a class's limits as the teacher sets them (JSON, core.classes.quotas);
    # when this server stored each sample and clip, which retention counts from (a file's own dates are not trusted)
    (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            created_at REAL NOT NULL, last_seen REAL NOT NULL)""",
        "CREATE INDEX sessions_by_account ON sessions(account_id)",
        "ALTER TABLE school_classes ADD COLUMN limits TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE samples ADD COLUMN stored_at REAL",
        "ALTER TABLE clips ADD COLUMN stored_at REAL",
        PerDatabase(
            "UPDATE samples SET stored_at = min(created_at, CAST(strftime('%s', 'now') AS REAL))",
            "UPDATE samples SET stored_at = LEAST(created_at, floor(EXTRACT(EPOCH FROM now())))",
        ),
        PerDatabase(
            "UPDATE clips SET stored_at = min(created_at, CAST(strftime('%s', 'now') AS REAL))",
            "UPDATE clips SET stored_at = LEAST(created_at, floor(EXTRACT(EPOCH FROM now())))",
        ),
    ),
    # 9 → 10 (issue 65): a project's saved models in the database, for a store several servers share
    # (core.data.saved_models.model_files); one server's (SQLite) keeps them as files in the project's folder and this stays empty
    (
        """CREATE TABLE project_models (
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('model', 'motion', 'cpm')),
            version INTEGER NOT NULL CHECK (version > 0), digest TEXT NOT NULL, size INTEGER NOT NULL,
            files BLOB NOT NULL, saved_at REAL NOT NULL, PRIMARY KEY (project_id, kind))""",
    ),
    # 10 → 11: a project's Scratch game (core.data.project_games): the checked .sb3 as it was saved, one a project,
    # replaced whole in one transaction; it goes with its project and counts in a student's quota
    (
        """CREATE TABLE project_games (
            project_id INTEGER NOT NULL PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
            sb3 BLOB NOT NULL, size INTEGER NOT NULL, digest TEXT NOT NULL, saved_at REAL NOT NULL)""",
    ),
)
