-- People who sign in to kefu's pages: agents (the console) and managers (the dashboard).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'manager')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Signed-in browsers. Only a hash of each token is kept, so a copy of the database opens no session.
CREATE TABLE user_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX user_sessions_expiry ON user_sessions (expires_at);
